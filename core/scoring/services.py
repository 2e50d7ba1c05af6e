"""Writes for scoring: the default scorecard, editing a draft version, publishing it, and scoring
subjects (incrementally after their records change, fully after a new version and every night)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.accounts.models import User
from core.accounts.policy import require
from core.audit.services import audit_record
from core.catalog.models import CatalogItem
from core.common.actors import Actor
from core.common.broker import delay_or_defer
from core.common.errors import ValidationFailed
from core.common.tenancy import current_schema, on_commit_here
from core.common.versioning import data_changed
from core.publicity.enums import Severity
from core.records.enums import RecordKind
from core.scoring import defaults
from core.scoring.defaults import RuleSpec
from core.scoring.engine import compute
from core.scoring.enums import Grade, ScorecardStatus
from core.scoring.models import Indicator, Scorecard, ScoringRule
from core.scoring.permissions import SCORECARD_EDIT


def scorecard_ensure_default() -> Scorecard:
    """The published scorecard; the shipped default (version 1) when the district has none."""
    current = Scorecard.objects.filter(status=ScorecardStatus.PUBLISHED).first()
    if current is not None:
        return current
    try:
        return _create_default()
    except IntegrityError:  # another request created it at the same moment
        return Scorecard.objects.get(status=ScorecardStatus.PUBLISHED)


def _create_default() -> Scorecard:
    with transaction.atomic():
        card = Scorecard.objects.create(
            number=1,
            name=defaults.NAME,
            status=ScorecardStatus.PUBLISHED,
            recency=defaults.RECENCY,
            older_factor=defaults.OLDER_FACTOR,
            notes=(defaults.__doc__ or "").strip(),
            created_by="system:default",
            published_at=timezone.now(),
            published_by="system:default",
        )
        nodes: dict[str, Indicator] = {}
        for position, ind in enumerate(defaults.INDICATORS):
            nodes[ind.code] = Indicator.objects.create(
                scorecard=card, parent=nodes.get(ind.parent or ""), code=ind.code, name=ind.name,
                weight=Decimal(ind.weight), start=Decimal(ind.start), position=position,
                description=ind.description,
            )  # fmt: skip
        ScoringRule.objects.bulk_create(
            ScoringRule(
                scorecard=card, indicator=nodes[r.indicator_code], code=r.code, name=r.name,
                record_kind=r.record_kind, catalog_item_code=r.catalog_item_code,
                severity=r.severity, penalty_category=r.penalty_category,
                min_fine_wan=Decimal(r.min_fine_wan) if r.min_fine_wan else None,
                points=Decimal(r.points), cap=Decimal(r.cap) if r.cap else None,
                use_recency=r.use_recency, veto_grade=r.veto_grade,
            )
            for r in defaults.RULES
        )  # fmt: skip
    return card


@transaction.atomic
def scorecard_draft(*, user: User) -> Scorecard:
    """The draft the admin edits: the existing one, or a copy of the published version."""
    require(user, SCORECARD_EDIT)
    source = scorecard_ensure_default()
    # Lock the published version: two admins creating a draft at once get the same one.
    Scorecard.objects.select_for_update().get(pk=source.pk)
    existing = Scorecard.objects.filter(status=ScorecardStatus.DRAFT).first()
    if existing is not None:
        return existing
    number = (
        Scorecard.objects.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    draft = Scorecard.objects.create(
        number=number, name=source.name, status=ScorecardStatus.DRAFT, scale=source.scale,
        grade_a=source.grade_a, grade_b=source.grade_b, grade_c=source.grade_c,
        recency=source.recency, older_factor=source.older_factor, notes=source.notes,
        created_by=user.email,
    )  # fmt: skip
    copies: dict[int, Indicator] = {}
    dimensions_first = F("parent_id").asc(nulls_first=True)
    for node in source.indicators.order_by(dimensions_first, "position"):
        parent = copies[node.parent_id] if node.parent_id else None
        old_id = node.pk
        node.pk, node.scorecard, node.parent = None, draft, parent
        node.save()
        copies[old_id] = node
    for rule in source.rules.all():
        rule.pk, rule.scorecard, rule.indicator = None, draft, copies[rule.indicator_id]
        rule.save()
    return draft


def _editable(user: User, scorecard: Scorecard) -> None:
    """Only a district admin edits, and only a draft: checked on the row, locked for the rest of
    the transaction (so a publish running alongside cannot slip in between)."""
    require(user, SCORECARD_EDIT)
    status = (
        Scorecard.objects.select_for_update()
        .filter(pk=scorecard.pk)
        .values_list("status", flat=True)
        .first()
    )
    if status != ScorecardStatus.DRAFT:
        raise ValidationFailed("只能修改草稿版本；请先创建草稿", code="NOT_DRAFT")


def _decimal(raw: str | Decimal | None, field: str, places: str) -> Decimal | None:
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    try:
        value = Decimal(text)
        if not value.is_finite():
            raise InvalidOperation
        return value.quantize(Decimal(places))
    except InvalidOperation:
        raise ValidationFailed(f"“{text}”不是合适的数字", field=field) from None


def _share(raw: str | Decimal, field: str) -> Decimal:
    value = _decimal(raw, field, "0.0001")
    if value is None or not Decimal(0) <= value <= Decimal(1):
        raise ValidationFailed("应为0到1之间的小数，如0.25", field=field)
    return value


def _number(
    raw: str | Decimal | None,
    field: str,
    *,
    blank: bool = False,
    places: str = "0.01",
    limit: int = 10000,
) -> Decimal | None:
    value = _decimal(raw, field, places)
    if value is None:
        if blank:
            return None
        raise ValidationFailed("请填写数值", field=field)
    if abs(value) >= limit:
        raise ValidationFailed(f"数值应在±{limit}以内", field=field)
    return value


@transaction.atomic
def indicator_update(
    *, user: User, indicator: Indicator, weight: str | Decimal, start: str | Decimal
) -> Indicator:
    _editable(user, indicator.scorecard)
    indicator.weight = _share(weight, "weight")
    indicator.start = _share(start, "start")
    indicator.save(update_fields=["weight", "start"])
    return indicator


@transaction.atomic
def rule_update(
    *,
    user: User,
    rule: ScoringRule,
    points: str | Decimal,
    cap: str | Decimal | None,
    veto_grade: str = "",
    min_fine_wan: str | Decimal | None = None,
) -> ScoringRule:
    _editable(user, rule.scorecard)
    rule.points = _number(points, "points")  # type: ignore[assignment]
    capped = _number(cap, "cap", blank=True)
    if capped is not None and capped <= 0:
        raise ValidationFailed("上限应为正数（留空表示不设上限）", field="cap")
    if veto_grade and veto_grade not in Grade.values:
        raise ValidationFailed("一票否决等级应为A、B、C或D", field="veto_grade")
    fine = _number(min_fine_wan, "min_fine_wan", blank=True, places="0.0001", limit=10**7)
    if fine is not None and fine < 0:
        raise ValidationFailed("罚款金额门槛不能为负数", field="min_fine_wan")
    rule.cap, rule.veto_grade, rule.min_fine_wan = capped, veto_grade, fine
    rule.save(update_fields=["points", "cap", "veto_grade", "min_fine_wan"])
    return rule


@transaction.atomic
def rule_add(*, user: User, scorecard: Scorecard, spec: RuleSpec) -> ScoringRule:
    """Add a rule to a draft (e.g. for a district supplement catalogue item)."""
    _editable(user, scorecard)
    indicator = scorecard.indicators.filter(code=spec.indicator_code, parent__isnull=False).first()
    if indicator is None:
        raise ValidationFailed("请选择规则所属的二级指标", field="indicator")
    name = spec.name.strip()
    if not name:
        raise ValidationFailed("请填写规则名称", field="name")
    if spec.record_kind and spec.record_kind not in RecordKind.values:
        raise ValidationFailed("记录类别不存在", field="record_kind")
    if (
        spec.catalog_item_code
        and not CatalogItem.objects.filter(code=spec.catalog_item_code).exists()
    ):
        raise ValidationFailed(
            f"目录中没有信息项{spec.catalog_item_code}", field="catalog_item_code"
        )
    if spec.severity and spec.severity not in Severity.values:
        raise ValidationFailed("严重程度应为轻微、一般或严重", field="severity")
    if not (spec.record_kind or spec.catalog_item_code):
        raise ValidationFailed("请至少指定记录类别或目录信息项", field="record_kind")
    taken = set(scorecard.rules.values_list("code", flat=True))
    number = next(n for n in range(1, 1000) if f"R{n:02d}" not in taken)
    rule = ScoringRule.objects.create(
        scorecard=scorecard, indicator=indicator, code=f"R{number:02d}", name=name[:100],
        record_kind=spec.record_kind, catalog_item_code=spec.catalog_item_code,
        severity=spec.severity, penalty_category=spec.penalty_category.strip()[:40],
        points=Decimal(0), use_recency=spec.use_recency,
    )  # fmt: skip
    return rule_update(user=user, rule=rule, points=spec.points, cap=spec.cap,
                       veto_grade=spec.veto_grade, min_fine_wan=spec.min_fine_wan)  # fmt: skip


@transaction.atomic
def rule_delete(*, user: User, rule: ScoringRule) -> None:
    _editable(user, rule.scorecard)
    rule.delete()


MAX_RECENCY_MONTHS = 120


@transaction.atomic
def scorecard_update_recency(
    *, user: User, scorecard: Scorecard, steps: list[tuple[str, str]], older_factor: str
) -> Scorecard:
    """Recency factors: [(months, factor), …] in ascending months, each factor 0–1."""
    _editable(user, scorecard)
    recency: list[list[int | str]] = []
    previous = 0
    for months_raw, factor_raw in steps:
        if not str(months_raw).strip() and not str(factor_raw).strip():
            continue
        try:
            months = int(str(months_raw).strip())
        except ValueError:
            raise ValidationFailed(f"“{months_raw}”不是月数", field="recency") from None
        if months <= previous or months > MAX_RECENCY_MONTHS:
            raise ValidationFailed(
                f"时效分段的月数应从小到大，且为1到{MAX_RECENCY_MONTHS}的整数", field="recency"
            )
        previous = months
        recency.append([months, str(_share(factor_raw, "recency").normalize())])
    scorecard.recency = recency
    scorecard.older_factor = _share(older_factor, "older_factor")
    scorecard.save(update_fields=["recency", "older_factor"])
    return scorecard


@transaction.atomic
def scorecard_update_grades(
    *, user: User, scorecard: Scorecard, grade_a: int, grade_b: int, grade_c: int
) -> Scorecard:
    _editable(user, scorecard)
    if not scorecard.scale >= grade_a > grade_b > grade_c > 0:
        raise ValidationFailed(
            f"等级下限应满足：满分{scorecard.scale} ≥ A > B > C > 0", field="grade_a"
        )
    scorecard.grade_a, scorecard.grade_b, scorecard.grade_c = grade_a, grade_b, grade_c
    scorecard.save(update_fields=["grade_a", "grade_b", "grade_c"])
    return scorecard


def scorecard_problems(scorecard: Scorecard) -> list[str]:
    """What stops a version from being published (weights must add up)."""
    problems = []
    nodes = list(scorecard.indicators.all())
    dimensions = [n for n in nodes if n.parent_id is None]
    total = sum((d.weight for d in dimensions), Decimal(0))
    if total != 1:
        problems.append(f"各维度权重之和应为1，现为{total.normalize()}")
    for dimension in dimensions:
        share = sum((n.weight for n in nodes if n.parent_id == dimension.pk), Decimal(0))
        if share != 1:
            problems.append(f"“{dimension.name}”下各指标权重之和应为1，现为{share.normalize()}")
    return problems


@transaction.atomic
def scorecard_publish(*, user: User, scorecard: Scorecard) -> Scorecard:
    """Make a draft the current version (the previous one is retired) and rescore everyone."""
    _editable(user, scorecard)
    problems = scorecard_problems(scorecard)
    if problems:
        raise ValidationFailed("；".join(problems), code="SCORECARD_INVALID")
    Scorecard.objects.filter(status=ScorecardStatus.PUBLISHED).update(
        status=ScorecardStatus.RETIRED
    )
    scorecard.status = ScorecardStatus.PUBLISHED
    scorecard.published_at, scorecard.published_by = timezone.now(), user.email
    scorecard.save(update_fields=["status", "published_at", "published_by"])
    audit_record(
        actor=Actor.for_user(user, schema=current_schema()),
        action="scorecard.publish",
        details={"scorecard": scorecard.pk, "number": scorecard.number},
    )
    on_commit_here(lambda: _enqueue(None, "scorecard.publish"))
    return scorecard


def scores_refresh(
    *, subject_ids: Iterable[int] | None = None, reason: str, today: date | None = None
) -> int:
    """Score subjects with the published scorecard (all evaluated subjects when None)."""
    ids = None if subject_ids is None else sorted(set(subject_ids))
    if ids == []:
        return 0
    changed = compute(
        scorecard=scorecard_ensure_default(),
        today=today or timezone.localdate(),
        reason=reason,
        subject_ids=ids,
    )
    if changed:
        data_changed()
    return changed


# Past this many subjects one full (set-based) rescore is cheaper than a list of ids.
RESCORE_ALL_ABOVE = 20000


def scores_refresh_later(subject_ids: list[int] | None, reason: str) -> None:
    """Rescore these subjects (None: all) in a task: the listener of `subjects_changed`
    (core/common/events.py), called after the announcing transaction committed."""
    ids = subject_ids
    if ids is not None and len(ids) > RESCORE_ALL_ABOVE:
        ids = None
    if ids != []:
        _enqueue(ids, reason)


def _enqueue(subject_ids: list[int] | None, reason: str) -> None:
    from core.scoring.tasks import scores_refresh_task  # tasks import services: import late

    # Broker down: the nightly rescore of every subject (beat, 01:00) catches up.
    delay_or_defer(
        scores_refresh_task, subject_ids, reason, deferred="the nightly rescore catches up"
    )
