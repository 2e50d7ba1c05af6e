"""The classified statistics dashboard (分类统计) and its exports. Thin: the numbers come from
core.stats.selectors (the portal's 成果展示 is portal/stats.py)."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from console.access import staff_permitted
from core.catalog.models import Department
from core.discipline.selectors import Figures, discipline_figures
from core.publicity.rules import add_months
from core.records.enums import RecordKind
from core.stats import exports, selectors
from core.stats.permissions import STATS_VIEW
from core.stats.selectors import Filters

FIRST_YEAR, LAST_YEAR, MAX_MONTHS = 2000, 2100, 120


class StatsFilterForm(forms.Form):
    start = forms.CharField(
        label="起始月份", required=False, widget=forms.DateInput(attrs={"type": "month"})
    )
    end = forms.CharField(
        label="截止月份", required=False, widget=forms.DateInput(attrs={"type": "month"})
    )
    department = forms.ModelChoiceField(label="部门", queryset=Department.objects.order_by("name"),
                                        required=False, empty_label="全部部门")  # fmt: skip
    kind = forms.ChoiceField(
        label="记录类别", required=False, choices=[("", "全部类别"), *RecordKind.choices]
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        for name in ("start", "end"):
            raw = (data.get(name) or "").strip()
            if raw:
                try:
                    data[name] = date.fromisoformat(f"{raw}-01")
                except ValueError:
                    self.add_error(name, "月份格式应为yyyy-MM，如2026-03")
                    continue
                if not FIRST_YEAR <= data[name].year <= LAST_YEAR:
                    self.add_error(name, f"月份应在{FIRST_YEAR}年至{LAST_YEAR}年之间")
        start, end = data.get("start"), data.get("end")
        if isinstance(start, date) and isinstance(end, date):
            if start > end:
                self.add_error("end", "截止月份不能早于起始月份")
            elif (end.year - start.year) * 12 + end.month - start.month >= MAX_MONTHS:
                self.add_error("end", f"一次最多统计{MAX_MONTHS // 12}年，请缩小月份范围")
        return data


def _filters(form: StatsFilterForm, today: date) -> Filters:
    default = Filters.last_months(today)
    if not form.is_valid():
        return default
    data = form.cleaned_data
    department = data.get("department")
    return Filters(
        start=data.get("start") or default.start,
        end=data.get("end") or default.end,
        department_id=department.pk if department else None,
        kind=data.get("kind") or "",
    )


def _discipline(filters: Filters) -> list[Figures]:
    """联合奖惩 for the period (by the check's month), for the selected department if any."""
    until = add_months(filters.end, 1) - timedelta(days=1)
    figures = discipline_figures(since=filters.start, until=until)
    if filters.department_id:
        name = Department.objects.filter(pk=filters.department_id).values_list("name", flat=True)
        figures = [f for f in figures if f.department == name.first()]
    return figures


def _discipline_table(figures: list[Figures]) -> exports.Table:
    headers = ["月份", "部门", "事项", "核查次数", "核查主体", "发现信息", "实施惩戒", "实施激励"]
    return ("联合奖惩", headers, [
        [f"{f.month:%Y-%m}", f.department, f.matter, f.checks, f.subjects, f.hits, f.punished,
         f.rewarded]
        for f in figures
    ])  # fmt: skip


def _bars(rows: list[selectors.Row]) -> list[tuple[selectors.Row, float]]:
    top = max((r.count for r in rows), default=0) or 1
    return [(r, 100 * r.count / top) for r in rows]


@login_required
def stats(request: HttpRequest) -> HttpResponse:
    staff_permitted(request, STATS_VIEW)
    today = timezone.localdate()
    form = StatsFilterForm(request.GET or None)
    filters = _filters(form, today)
    export = request.GET.get("export", "")
    if export:
        return _export(export, request.GET.get("table", ""), filters, today)
    months = selectors.by_month(filters)
    discipline = _discipline(filters)
    discipline_totals = [sum(getattr(f, name) for f in discipline)
                         for name in ("checks", "subjects", "hits", "punished", "rewarded")]  # fmt: skip
    return render(request, "portal_theme/console/stats.html", {
        "form": form, "filters": filters, "totals": selectors.totals(filters),
        "kinds": _bars(selectors.by_kind(filters)), "months": _bars(months),
        "items": selectors.by_item(filters), "timeliness": selectors.timeliness(filters),
        "departments": _bars(selectors.by_department(filters)),
        "violations": _bars(selectors.top_violations(filters)), "lists": selectors.list_sizes(today),
        "grades": _bars(selectors.grade_distribution()), "query": request.GET.urlencode(),
        "discipline": discipline, "discipline_totals": discipline_totals,
    })  # fmt: skip


def _export(kind: str, table: str, filters: Filters, today: date) -> HttpResponse:
    all_tables = {**exports.tables(filters, today),
                  "discipline": _discipline_table(_discipline(filters))}  # fmt: skip
    stamp = f"{filters.start:%Y%m}-{filters.end:%Y%m}"
    if kind == "xlsx":

        def describe() -> list[list[object]]:
            return [["分类统计"], ["期间", f"{filters.start:%Y-%m} 至 {filters.end:%Y-%m}"],
                    ["导出日期", today.isoformat()], ["说明", "按决定日期所在月份统计；不含已撤回记录"],
                    ["联合奖惩", "按核查时间所在月份统计；惩戒、激励按部门反馈的办理结果计"]]  # fmt: skip

        response = HttpResponse(
            exports.as_xlsx(all_tables, describe),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="stats-{stamp}.xlsx"'
        return response
    if kind == "csv" and table in all_tables:
        response = HttpResponse(
            exports.as_csv(all_tables[table]), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="stats-{table}-{stamp}.csv"'
        return response
    raise Http404("没有这种导出")
