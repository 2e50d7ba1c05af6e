"""Console pages for scoring: the scorecard (read by every staff member; a district admin edits a
draft version and publishes it) and the grade distribution. Thin: services write, selectors read."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from console.access import staff, staff_permitted
from core.accounts.models import User
from core.catalog.models import CatalogItem
from core.common.errors import ApplicationError, ValidationFailed
from core.common.forms import form_error
from core.publicity.enums import Severity
from core.records.enums import RecordKind
from core.scoring.defaults import RuleSpec
from core.scoring.engine import leaves
from core.scoring.enums import Grade
from core.scoring.models import Scorecard, ScoringRule, SubjectScore
from core.scoring.permissions import SCORECARD_EDIT
from core.scoring.selectors import scorecard_for_console, scorecard_versions
from core.scoring.services import (
    indicator_update,
    rule_add,
    rule_delete,
    rule_update,
    scorecard_draft,
    scorecard_ensure_default,
    scorecard_problems,
    scorecard_publish,
    scorecard_update_grades,
    scorecard_update_recency,
)

RECENCY_ROWS = 4


class RuleAddForm(forms.Form):
    indicator_code = forms.ChoiceField(label="所属指标")
    name = forms.CharField(label="规则名称", max_length=100)
    record_kind = forms.ChoiceField(
        label="记录类别", required=False, choices=[("", "不限"), *RecordKind.choices]
    )
    catalog_item_code = forms.ChoiceField(label="目录信息项", required=False)
    severity = forms.ChoiceField(
        label="严重程度", required=False, choices=[("", "不限"), *Severity.choices]
    )
    penalty_category = forms.CharField(label="处罚类别（如“罚款”）", required=False, max_length=40)
    min_fine_wan = forms.CharField(label="罚款不低于（万元）", required=False, max_length=20)
    points = forms.CharField(label="每条记录分值（扣分为负数）", max_length=20)
    cap = forms.CharField(label="本规则分值上限", required=False, max_length=20)
    use_recency = forms.BooleanField(label="按时效折算", required=False)
    veto_grade = forms.ChoiceField(
        label="一票否决", required=False, choices=[("", "无"), *[(g, f"最高{g}级") for g in "ABCD"]]
    )

    def __init__(self, draft: Scorecard, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        leaves_ = draft.indicators.filter(parent__isnull=False).order_by("position")
        indicator = self.fields["indicator_code"]
        item = self.fields["catalog_item_code"]
        assert isinstance(indicator, forms.ChoiceField)
        assert isinstance(item, forms.ChoiceField)
        indicator.choices = [(i.code, f"{i.code} {i.name}") for i in leaves_]
        items = CatalogItem.objects.order_by("code").values_list("code", "name")
        item.choices = [("", "不限"), *[(c, f"{c} {n}") for c, n in items]]


@login_required
def scoring(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    published = scorecard_ensure_default()
    _, draft = scorecard_for_console()
    errors: dict[str, str] = {}
    add_form: RuleAddForm | None = None
    if request.method == "POST":
        staff_permitted(request, SCORECARD_EDIT)
        try:
            if "draft_create" in request.POST:
                scorecard_draft(user=user)
                return redirect("/console/scoring/?done=" + quote("已创建草稿，可修改后发布"))
            edits = {"save", "publish", "rule_delete", "rule_add"} & set(request.POST)
            if edits and draft is None:
                raise ValidationFailed("草稿已发布或不存在，请刷新页面后再修改", code="STALE")
            if draft is not None and request.POST.get("number", str(draft.number)) != str(
                draft.number
            ):
                raise ValidationFailed(
                    "草稿已被其他管理员发布或替换，请刷新页面后再修改", code="STALE"
                )
            if draft is not None and "publish" in request.POST:
                # What is on the screen is what gets published.
                errors = _save(user, draft, request.POST)
                if not errors:
                    scorecard_publish(user=user, scorecard=draft)
                    return redirect(
                        "/console/scoring/?done="
                        + quote(f"v{draft.number} 已发布，全部主体正在按新版本重新评分")
                    )
            if draft is not None and ("save" in request.POST or "rule_delete" in request.POST):
                errors = _save(user, draft, request.POST)
                if not errors and "rule_delete" in request.POST:
                    rule = draft.rules.get(pk=int(request.POST["rule_delete"]))
                    rule_delete(user=user, rule=rule)
                    return redirect("/console/scoring/?done=" + quote(f"已删除规则{rule.code}"))
                if not errors:
                    return redirect("/console/scoring/?done=" + quote("草稿已保存"))
            if draft is not None and "rule_add" in request.POST:
                add_form = RuleAddForm(draft, request.POST)
                if add_form.is_valid():
                    rule = rule_add(
                        user=user, scorecard=draft, spec=RuleSpec(**add_form.cleaned_data)
                    )
                    return redirect("/console/scoring/?done=" + quote(f"已添加规则{rule.code}"))
        except ApplicationError as exc:
            if add_form is not None:
                form_error(add_form, exc)
            else:
                errors["form"] = exc.message
        except (ValueError, ScoringRule.DoesNotExist):
            errors["form"] = "该规则不存在或已删除"
    grades = dict(
        SubjectScore.objects.filter(is_current=True)
        .values_list("grade")
        .annotate(n=Count("id"))
        .order_by()
    )
    scored = sum(grades.values())
    distribution = [
        (g.value, g.label, grades.get(g.value, 0), 100 * grades.get(g.value, 0) / (scored or 1))
        for g in Grade
    ]
    return render(
        request,
        "portal_theme/console/scoring.html",
        {
            "published": _tree(published),
            "draft": _tree(draft, request.POST if errors else None) if draft else None,
            "problems": scorecard_problems(draft) if draft else [],
            "errors": errors,
            "values": request.POST if errors else {},
            "versions": scorecard_versions(),
            "distribution": distribution,
            "scored": scored,
            "done": request.GET.get("done", ""),
            "add_form": add_form or (RuleAddForm(draft) if draft else None),
        },
    )


def _tree(card: Scorecard, values: dict[str, str] | None = None) -> dict[str, object]:
    """The indicator tree for display; for a draft form, each input's value (what was submitted
    when the form came back with errors, else what is stored)."""
    tops = {leaf.code: leaf for leaf in leaves(card)}
    nodes = list(card.indicators.all())
    rules = list(card.rules.select_related("indicator"))
    submitted = values or {}
    for node in nodes:
        node.input_weight = submitted.get(f"ind-{node.pk}-weight", _plain(node.weight))  # type: ignore[attr-defined]
        node.input_start = submitted.get(f"ind-{node.pk}-start", _plain(node.start))  # type: ignore[attr-defined]
    for rule in rules:
        rule.input_points = submitted.get(f"rule-{rule.pk}-points", _plain(rule.points))  # type: ignore[attr-defined]
        rule.input_cap = submitted.get(f"rule-{rule.pk}-cap", _plain(rule.cap))  # type: ignore[attr-defined]
        rule.input_veto = submitted.get(f"rule-{rule.pk}-veto", rule.veto_grade)  # type: ignore[attr-defined]
        rule.input_fine = submitted.get(f"rule-{rule.pk}-fine", _plain(rule.min_fine_wan))  # type: ignore[attr-defined]
    steps = [*card.recency, *[["", ""]] * RECENCY_ROWS][:RECENCY_ROWS]
    recency = [
        (
            n,
            submitted.get(f"recency-{n}-months", str(m)),
            submitted.get(f"recency-{n}-factor", str(f)),
        )
        for n, (m, f) in enumerate(steps)
    ]
    dimensions = []
    for node in nodes:
        if node.parent_id is None:
            children = [
                {"node": child, "leaf": tops[child.code],
                 "rules": [r for r in rules if r.indicator_id == child.pk]}
                for child in nodes if child.parent_id == node.pk
            ]  # fmt: skip
            dimensions.append({"node": node, "max": card.scale * node.weight, "children": children})
    older = submitted.get("older_factor", _plain(card.older_factor))
    return {
        "card": card,
        "dimensions": dimensions,
        "rules": rules,
        "recency": recency,
        "older": older,
    }


def _save(user: User, draft: Scorecard, data: dict[str, str]) -> dict[str, str]:
    """Apply every edited number of the draft; on any error keep none of them and say which."""
    errors: dict[str, str] = {}
    with transaction.atomic():
        for node in draft.indicators.all():
            key = f"ind-{node.pk}"
            try:
                indicator_update(user=user, indicator=node, weight=data.get(f"{key}-weight", ""),
                                 start=data.get(f"{key}-start", ""))  # fmt: skip
            except ApplicationError as exc:
                errors[f"{key}-{exc.field or 'weight'}"] = f"{node.name}：{exc.message}"
        for rule in draft.rules.all():
            key = f"rule-{rule.pk}"
            try:
                rule_update(user=user, rule=rule, points=data.get(f"{key}-points", ""),
                            cap=data.get(f"{key}-cap", ""), veto_grade=data.get(f"{key}-veto", ""),
                            min_fine_wan=data.get(f"{key}-fine", ""))  # fmt: skip
            except ApplicationError as exc:
                errors[f"{key}-{exc.field or 'points'}"] = f"{rule.name}：{exc.message}"
        try:
            steps = [(data.get(f"recency-{n}-months", ""), data.get(f"recency-{n}-factor", ""))
                     for n in range(RECENCY_ROWS)]  # fmt: skip
            scorecard_update_recency(user=user, scorecard=draft, steps=steps,
                                     older_factor=data.get("older_factor", ""))  # fmt: skip
        except ApplicationError as exc:
            errors["recency"] = f"时效系数：{exc.message}"
        try:
            scorecard_update_grades(
                user=user, scorecard=draft, grade_a=_int(data.get("grade_a")),
                grade_b=_int(data.get("grade_b")), grade_c=_int(data.get("grade_c")),
            )  # fmt: skip
        except ApplicationError as exc:
            errors["grade_a"] = exc.message
        if errors:
            transaction.set_rollback(True)
    return errors


def _int(raw: str | None) -> int:
    try:
        return int((raw or "").strip())
    except ValueError:
        return -1


def _plain(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"
