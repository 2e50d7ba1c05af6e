"""The public lists: 守信激励（红名单）, 严重失信主体名单 and 联合惩戒 (the measures that apply and the
cases public today, with the year's 信用核查 counts). Only organisations' published records; repaired, withdrawn and expired ones
never."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import cached_property

from core.discipline.selectors import discipline_public_counts
from core.records.measures import measures_for, measures_list
from core.records.public import public_list, public_records
from portal.search import PER_PAGE
from portal_theme.inputs import int_param, text_param

LIST_CAP = 1000  # rows counted at most on a list page; past it, "1000条以上" and filters narrow it
LISTS = {"red": ("red_list", "守信激励（红名单）"), "black": ("black_list", "严重失信主体名单")}


class CappedPaginator(Paginator):  # type: ignore[type-arg]
    """Counts at most LIST_CAP + 1 rows (a full count of a large list costs a join per row)."""

    @cached_property
    def count(self) -> int:
        return int(self.object_list[: LIST_CAP + 1].count())  # type: ignore[attr-defined]


def credit_list(request: HttpRequest, which: str) -> HttpResponse:
    if which not in LISTS:
        raise Http404("没有这个名单")
    kind, title = LISTS[which]
    name = text_param(request, "name")
    year = int_param(request, "year", low=2000, high=2100)
    rows = public_list(kind=kind, today=timezone.localdate(), name=name, year=year)
    page = CappedPaginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    years = range(timezone.localdate().year, timezone.localdate().year - 6, -1)
    return render(request, "portal_theme/portal/list.html", {
        "title": title, "which": which, "page": page, "name": name, "year": year, "years": years,
        "capped": page.paginator.count > LIST_CAP, "cap": LIST_CAP,
    })  # fmt: skip


PUNISHED_KINDS = ("black_list", "court_enforcement")


def joint_punishment(request: HttpRequest) -> HttpResponse:
    """联合惩戒: this year's checks and what they led to (counts only), the measures that apply
    (national list, as data) and the cases public today."""
    today = timezone.localdate()
    cases = [
        (record, measures_for(record.kind))
        for record in public_records(today).filter(kind__in=PUNISHED_KINDS)
        .select_related("subject").order_by("-decision_date", "-id")[:30]
    ]  # fmt: skip
    return render(request, "portal_theme/portal/joint_punishment.html",
                  {"measures": measures_list(), "cases": cases, "year": today.year,
                   "counts": discipline_public_counts(year=today.year)})  # fmt: skip
