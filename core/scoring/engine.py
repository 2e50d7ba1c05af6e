"""Scores computed in SQL, set-based: every publishable record is joined to the scorecard's rules
once, points are summed per rule (capped), per indicator (clamped between 0 and its maximum) and per
subject, vetoes applied, and only changed results written. The same statements score one subject
(incremental) or every subject (a new version, the nightly run)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from core.catalog.models import CatalogItem
from core.common.pgcopy import copy_rows
from core.publicity.rules import add_months
from core.records.models import Record
from core.scoring.models import Scorecard, ScoringRule
from core.subjects.enums import SubjectKind

# Enterprises, other organisations and individual businesses are evaluated; natural persons are
# not (个人信息保护法: no evaluation of individuals without a legal basis).
SCORED_KINDS = (SubjectKind.LEGAL.value, SubjectKind.INDIVIDUAL.value)


@dataclass(frozen=True)
class Leaf:
    id: int
    code: str
    max_points: Decimal
    start_points: Decimal


def leaves(scorecard: Scorecard) -> list[Leaf]:
    """The sub-indicators with their maximum and starting points on the scorecard's scale."""
    nodes = list(scorecard.indicators.all())
    weight = {n.id: n.weight for n in nodes}
    result = []
    for node in nodes:
        if node.parent_id is None:
            continue
        top = scorecard.scale * weight[node.parent_id] * node.weight
        result.append(Leaf(node.id, node.code, top, top * node.start))
    return result


def base_total(scorecard: Scorecard) -> Decimal:
    """What a subject without any matching record scores."""
    return sum((leaf.start_points for leaf in leaves(scorecard)), Decimal(0))


RULE_COLUMNS = (
    "id", "code", "name", "indicator_id", "record_kind", "item_id", "severity", "category",
    "min_fine", "points", "cap", "use_recency", "veto",
)  # fmt: skip


def compute(
    *, scorecard: Scorecard, today: date, reason: str, subject_ids: Sequence[int] | None = None
) -> int:
    """Score the given subjects (all evaluated subjects when None) as of `today`; write a new
    current score for each whose result changed. Returns how many changed."""
    leaf_list = leaves(scorecard)
    items = dict(CatalogItem.objects.values_list("code", "id"))
    rules = list(ScoringRule.objects.filter(scorecard=scorecard))
    records = Record.objects.publishable(today).values(
        "id", "subject_id", "kind", "catalog_item_id", "severity", "fine_wan", "decision_date",
        "title",
    )  # fmt: skip
    if subject_ids is not None:
        records = records.filter(subject_id__in=list(subject_ids))
    records_sql, records_params = records.query.sql_with_params()
    recency_case, recency_params = _recency(scorecard, today)
    with transaction.atomic(), connection.cursor() as cursor:
        # One scoring run at a time per district: a full run and an incremental one overlapping
        # would otherwise let the older result overwrite the newer.
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext('scoring'), hashtext(current_schema()))"
        )
        cursor.execute(
            "CREATE TEMP TABLE tmp_rule (id bigint, code text, name text, indicator_id bigint, "
            "record_kind text, item_id bigint, severity text, category text, min_fine numeric, "
            "points numeric, cap numeric, use_recency boolean, veto text) ON COMMIT DROP"
        )
        copy_rows(
            cursor,
            "tmp_rule",
            RULE_COLUMNS,
            [
                (r.id, r.code, r.name, r.indicator_id, r.record_kind,
                 items.get(r.catalog_item_code, -1) if r.catalog_item_code else None,
                 r.severity, r.penalty_category, r.min_fine_wan, r.points, r.cap, r.use_recency,
                 r.veto_grade)
                for r in rules
            ],
        )  # fmt: skip
        cursor.execute(
            "CREATE TEMP TABLE tmp_leaf (id bigint, code text, max_points numeric, "
            "start_points numeric) ON COMMIT DROP"
        )
        copy_rows(
            cursor,
            "tmp_leaf",
            ("id", "code", "max_points", "start_points"),
            [(x.id, x.code, x.max_points, x.start_points) for x in leaf_list],
        )
        # Each (record, rule) that matches, with its points after the recency factor. A penalty's
        # categories are the part of its title before "：" (validation.py builds it so).
        cursor.execute(
            "CREATE TEMP TABLE tmp_hit ON COMMIT DROP AS "  # noqa: S608
            "SELECT r.subject_id, u.id AS rule_id, r.id AS record_id, "
            f"u.points * CASE WHEN u.use_recency THEN {recency_case} ELSE 1 END AS pts "
            f"FROM ({records_sql}) r JOIN tmp_rule u ON (u.record_kind = '' OR u.record_kind = r.kind) "
            "AND (u.item_id IS NULL OR u.item_id = r.catalog_item_id) "
            "AND (u.severity = '' OR u.severity = r.severity) "
            "AND (u.min_fine IS NULL OR r.fine_wan >= u.min_fine) "
            "AND (u.category = '' OR strpos(split_part(r.title, '：', 1), u.category) > 0)",
            [*recency_params, *records_params],
        )
        subjects_filter = "" if subject_ids is None else "AND s.id = ANY(%s)"
        cursor.execute(
            f"""
            CREATE TEMP TABLE tmp_score ON COMMIT DROP AS
            WITH per_rule AS (
                SELECT h.subject_id, h.rule_id, sum(h.pts) AS raw,
                       array_agg(h.record_id ORDER BY h.record_id) AS records
                FROM tmp_hit h GROUP BY h.subject_id, h.rule_id
            ), capped AS (
                SELECT p.subject_id, u.indicator_id, u.code, u.name, u.veto, p.records,
                       CASE WHEN u.cap IS NULL THEN p.raw
                            ELSE greatest(-u.cap, least(u.cap, p.raw)) END AS pts,
                       u.cap IS NOT NULL AND abs(p.raw) > u.cap AS was_capped
                FROM per_rule p JOIN tmp_rule u ON u.id = p.rule_id
            ), per_leaf AS (
                SELECT c.subject_id, l.code, l.start_points,
                       greatest(0, least(l.max_points, l.start_points + sum(c.pts))) AS points,
                       jsonb_agg(jsonb_build_object(
                           'rule', c.code, 'name', c.name, 'points', round(c.pts, 2),
                           'capped', c.was_capped, 'records', to_jsonb(c.records)
                       ) ORDER BY c.code) AS rules
                FROM capped c JOIN tmp_leaf l ON l.id = c.indicator_id
                GROUP BY c.subject_id, l.code, l.start_points, l.max_points
            ), per_subject AS (
                SELECT subject_id, sum(points - start_points) AS moved,
                       jsonb_object_agg(code, jsonb_build_object(
                           'points', round(points, 2), 'rules', rules)) AS indicators
                FROM per_leaf GROUP BY subject_id
            ), vetoes AS (
                SELECT subject_id, max(veto) AS grade,
                       jsonb_agg(jsonb_build_object('rule', code, 'name', name, 'grade', veto,
                                                    'records', to_jsonb(records)) ORDER BY code) AS rules
                FROM capped WHERE veto <> '' GROUP BY subject_id
            ), totals AS (
                SELECT s.id AS subject_id, round(%s + coalesce(p.moved, 0))::int AS total,
                       coalesce(p.indicators, '{{}}'::jsonb) AS indicators, v.grade AS veto_grade,
                       v.rules AS veto_rules
                FROM subjects_subject s LEFT JOIN per_subject p ON p.subject_id = s.id
                LEFT JOIN vetoes v ON v.subject_id = s.id
                WHERE s.kind = ANY(%s) {subjects_filter}
            )
            SELECT subject_id, total,
                   greatest(CASE WHEN total >= %s THEN 'A' WHEN total >= %s THEN 'B'
                                 WHEN total >= %s THEN 'C' ELSE 'D' END, veto_grade) AS grade,
                   jsonb_build_object('indicators', indicators, 'vetoes', coalesce(veto_rules, '[]'::jsonb))
                       AS explanation
            FROM totals
            """,  # noqa: S608
            [
                base_total(scorecard),
                list(SCORED_KINDS),
                *([list(subject_ids)] if subject_ids is not None else []),
                scorecard.grade_a,
                scorecard.grade_b,
                scorecard.grade_c,
            ],
        )
        cursor.execute("ANALYZE tmp_score (subject_id)")
        now = timezone.now()
        cursor.execute(
            # The temporary table through a CTE: Citus joins an update's table to a local table
            # only as an intermediate result (ADR 0022).
            "WITH t AS MATERIALIZED (SELECT * FROM tmp_score) "
            "UPDATE scoring_subjectscore c SET is_current = false FROM t "
            "WHERE c.subject_id = t.subject_id AND c.is_current AND (c.scorecard_id <> %s "
            "OR c.total <> t.total OR c.grade <> t.grade OR c.explanation <> t.explanation)",
            [scorecard.id],
        )
        cursor.execute(
            "WITH t AS MATERIALIZED (SELECT * FROM tmp_score) "
            "INSERT INTO scoring_subjectscore (subject_id, scorecard_id, total, grade, explanation, "
            "computed_at, as_of, reason, is_current) "
            "SELECT t.subject_id, %s, t.total, t.grade, t.explanation, %s, %s, %s, true "
            "FROM t WHERE NOT EXISTS (SELECT 1 FROM scoring_subjectscore c "
            "WHERE c.subject_id = t.subject_id AND c.is_current)",
            [scorecard.id, now, today, reason],
        )
        changed = int(cursor.rowcount)
        cursor.execute("DROP TABLE tmp_rule, tmp_leaf, tmp_hit, tmp_score")
    return changed


def _recency(scorecard: Scorecard, today: date) -> tuple[str, list[Any]]:
    """CASE over the decision date: within N months of `today` → factor."""
    parts: list[str] = []
    params: list[Any] = []
    for months, factor in scorecard.recency:
        parts.append("WHEN r.decision_date > %s THEN %s::numeric")
        params += [add_months(today, -int(months)), Decimal(str(factor))]
    parts.append("ELSE %s::numeric")
    params.append(scorecard.older_factor)
    return "CASE " + " ".join(parts) + " END", params


def leaf_indicators(scorecard: Scorecard) -> dict[str, Leaf]:
    return {leaf.code: leaf for leaf in leaves(scorecard)}
