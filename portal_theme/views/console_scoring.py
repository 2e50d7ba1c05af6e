"""Console pages for scoring: the scorecard (read by every staff member; a district admin edits a
draft version and publishes it) and the grade distribution. Thin: services write, selectors read."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.common.errors import ApplicationError
from core.scoring.engine import leaves
from core.scoring.enums import Grade
from core.scoring.models import Scorecard, SubjectScore
from core.scoring.selectors import scorecard_for_console, scorecard_versions
from core.scoring.services import (
    indicator_update,
    rule_update,
    scorecard_draft,
    scorecard_ensure_default,
    scorecard_problems,
    scorecard_publish,
    scorecard_update_grades,
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required guarantees a User


@login_required
def scoring(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    published = scorecard_ensure_default()
    _, draft = scorecard_for_console()
    errors: dict[str, str] = {}
    if request.method == "POST":
        if user.role != StaffRole.DISTRICT_ADMIN:
            raise Http404("只有区县管理员可以修改评分模型")
        try:
            if "draft_create" in request.POST:
                scorecard_draft(user=user)
                return redirect("/console/scoring/?done=" + quote("已创建草稿，可修改后发布"))
            if draft is not None and "save" in request.POST:
                errors = _save(user, draft, request.POST)
                if not errors:
                    return redirect("/console/scoring/?done=" + quote("草稿已保存"))
            if draft is not None and "publish" in request.POST:
                scorecard_publish(user=user, scorecard=draft)
                return redirect(
                    "/console/scoring/?done="
                    + quote(f"v{draft.number} 已发布，全部主体正在按新版本重新评分")
                )
        except ApplicationError as exc:
            errors["form"] = exc.message
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
            "is_admin": user.role == StaffRole.DISTRICT_ADMIN,
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
    dimensions = []
    for node in nodes:
        if node.parent_id is None:
            children = [
                {"node": child, "leaf": tops[child.code],
                 "rules": [r for r in rules if r.indicator_id == child.pk]}
                for child in nodes if child.parent_id == node.pk
            ]  # fmt: skip
            dimensions.append({"node": node, "max": card.scale * node.weight, "children": children})
    return {"card": card, "dimensions": dimensions, "rules": rules}


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
                            cap=data.get(f"{key}-cap", ""), veto_grade=data.get(f"{key}-veto", ""))  # fmt: skip
            except ApplicationError as exc:
                errors[f"{key}-{exc.field or 'points'}"] = f"{rule.name}：{exc.message}"
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
