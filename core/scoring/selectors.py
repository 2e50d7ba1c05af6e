"""Reads for scoring: a subject's current score explained down to rules and records, its history,
and the scorecard tree for the console."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from core.records.models import Record
from core.scoring.engine import leaves
from core.scoring.enums import ScorecardStatus
from core.scoring.models import Indicator, Scorecard, SubjectScore


@dataclass
class RuleLine:
    code: str
    name: str
    points: Decimal
    capped: bool
    records: list[Record]


@dataclass
class IndicatorLine:
    code: str
    name: str
    max_points: Decimal
    points: Decimal
    rules: list[RuleLine] = field(default_factory=list)
    children: list[IndicatorLine] = field(default_factory=list)


@dataclass
class Veto:
    code: str
    name: str
    grade: str
    records: list[Record]


@dataclass
class ExplainedScore:
    score: SubjectScore
    dimensions: list[IndicatorLine]
    vetoes: list[Veto]


def score_current(subject_id: int) -> SubjectScore | None:
    return (
        SubjectScore.objects.select_related("scorecard")
        .filter(subject_id=subject_id, is_current=True)
        .first()
    )


def score_history(subject_id: int, limit: int = 50) -> list[SubjectScore]:
    return list(
        SubjectScore.objects.select_related("scorecard")
        .filter(subject_id=subject_id)
        .order_by("-computed_at", "-id")[:limit]
    )


def score_explain(score: SubjectScore) -> ExplainedScore:
    """The whole indicator tree with each indicator's points; for those that rules moved, the
    rules with their points and records (two queries whatever the tree's size)."""
    data: dict[str, Any] = score.explanation
    moved: dict[str, Any] = data.get("indicators", {})
    wanted = {pk for ind in moved.values() for rule in ind["rules"] for pk in rule["records"]}
    wanted |= {pk for veto in data.get("vetoes", []) for pk in veto["records"]}
    records = Record.objects.in_bulk(wanted)
    nodes = list(Indicator.objects.filter(scorecard=score.scorecard_id))
    tops = {leaf.code: leaf for leaf in leaves(score.scorecard)}
    dimensions: dict[int, IndicatorLine] = {}
    for node in nodes:
        if node.parent_id is None:
            dimensions[node.pk] = IndicatorLine(
                node.code, node.name, score.scorecard.scale * node.weight, Decimal(0)
            )
    for node in nodes:
        if node.parent_id is None:
            continue
        leaf = tops[node.code]
        entry = moved.get(node.code)
        line = IndicatorLine(
            node.code,
            node.name,
            leaf.max_points,
            Decimal(str(entry["points"])) if entry else leaf.start_points,
            [
                RuleLine(r["rule"], r["name"], Decimal(str(r["points"])), r["capped"],
                         [records[pk] for pk in r["records"] if pk in records])
                for r in (entry["rules"] if entry else [])
            ],
        )  # fmt: skip
        parent = dimensions[node.parent_id]
        parent.children.append(line)
        parent.points += line.points
    vetoes = [
        Veto(
            v["rule"], v["name"], v["grade"], [records[pk] for pk in v["records"] if pk in records]
        )
        for v in data.get("vetoes", [])
    ]
    return ExplainedScore(score, list(dimensions.values()), vetoes)


def scorecard_for_console() -> tuple[Scorecard | None, Scorecard | None]:
    """(published, draft) versions."""
    cards = {c.status: c for c in Scorecard.objects.exclude(status=ScorecardStatus.RETIRED)}
    return cards.get(ScorecardStatus.PUBLISHED), cards.get(ScorecardStatus.DRAFT)


def scorecard_versions() -> list[Scorecard]:
    return list(Scorecard.objects.order_by("-number"))
