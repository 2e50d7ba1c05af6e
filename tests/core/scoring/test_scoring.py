"""The default scorecard's arithmetic, vetoes, caps, recency and grade boundaries, pinned exactly;
and that scores follow record changes and new scorecard versions by themselves."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from core.accounts.enums import StaffRole
from core.catalog.models import Department
from core.common.errors import PermissionDenied, ValidationFailed
from core.records.models import Record
from core.records.services import record_withdraw
from core.scoring.defaults import RuleSpec
from core.scoring.engine import base_total
from core.scoring.models import Indicator, Scorecard, ScoringRule, SubjectScore
from core.scoring.selectors import score_current, score_explain, score_history
from core.scoring.services import (
    indicator_update,
    rule_add,
    rule_update,
    scorecard_draft,
    scorecard_ensure_default,
    scorecard_publish,
    scorecard_update_grades,
    scorecard_update_recency,
    scores_refresh,
)
from core.subjects.models import Subject
from tests.conftest import make_staff
from tests.core.collection.conftest import TODAY, district, upload  # noqa: F401  (fixture)
from tests.core.collection.files import as_csv, as_record_csv, listing, penalty, uscc


@pytest.fixture
def department(district: Department) -> Department:  # noqa: F811
    return district


def score_of(serial: int) -> SubjectScore:
    scores_refresh(reason="test", today=TODAY)
    score = score_current(Subject.objects.get(uscc=uscc(serial)).pk)
    assert score is not None
    return score


def rules_of(score: SubjectScore, indicator: str) -> list[tuple[str, float]]:
    return [(r["rule"], r["points"]) for r in score.explanation["indicators"][indicator]["rules"]]


def test_the_default_scorecard_starts_a_subject_without_records_at_800(
    department: Department,
) -> None:
    card = scorecard_ensure_default()

    assert base_total(card) == Decimal(800)
    assert (card.number, card.grade_a, card.grade_b, card.grade_c) == (1, 850, 700, 550)
    assert card.indicators.filter(parent=None).count() == 5


def test_an_ordinary_penalty_costs_40_points(department: Department) -> None:
    upload(department, as_csv([penalty(1)]))
    record = Record.objects.get()

    score = score_of(1)

    assert (score.total, score.grade) == (760, "B")
    assert score.explanation["indicators"] == {
        "D1.1": {
            "points": 140.0,
            "rules": [{"rule": "R02", "name": "一般行政处罚", "points": -40.0, "capped": False,
                       "records": [record.pk]}],
        }
    }  # fmt: skip
    assert score.explanation["vetoes"] == []


def test_a_serious_penalty_with_a_large_fine_counts_both_rules(department: Department) -> None:
    upload(department, as_csv([penalty(1, CFLB="罚款;吊销许可证件", NR_FK="12")]))

    score = score_of(1)

    assert (score.total, score.grade) == (630, "C")  # 800 − 150 − 20
    assert rules_of(score, "D1.1") == [("R03", -150.0), ("R04", -20.0)]


def test_a_large_fine_below_the_threshold_is_not_counted_twice(department: Department) -> None:
    upload(department, as_csv([penalty(1, NR_FK="9.99")]))

    assert rules_of(score_of(1), "D1.1") == [("R02", -40.0)]


def test_an_indicator_never_falls_below_zero(department: Department) -> None:
    rows = [penalty(1, WSH=f"万州市监罚〔2026〕{n}号", CFLB="吊销许可证件") for n in range(5)]
    upload(department, as_csv(rows))

    score = score_of(1)

    assert score.explanation["indicators"]["D1.1"]["points"] == 0.0
    assert (score.total, score.grade) == (620, "C")  # the whole 180 of 行政处罚, no more


@pytest.mark.parametrize(
    ("decided", "factor_points", "total"),
    [("2026-01-10", -40.0, 760), ("2025-06-01", -28.0, 772), ("2024-06-01", -16.0, 784)],
)
def test_older_penalties_count_less(
    department: Department, decided: str, factor_points: float, total: int
) -> None:
    upload(department, as_csv([penalty(1, JDRQ=decided, YXQ="2028-01-01")]))

    score = score_of(1)

    assert rules_of(score, "D1.1") == [("R02", factor_points)]
    assert score.total == total


def test_a_serious_dishonesty_listing_vetoes_the_grade_to_d(department: Department) -> None:
    upload(department, as_record_csv([listing(1)]), "名单.csv")
    record = Record.objects.get()

    score = score_of(1)

    assert score.total == 680  # C by points …
    assert score.grade == "D"  # … D by the veto
    assert score.explanation["vetoes"] == [
        {"rule": "R13", "name": "列入严重失信主体名单", "grade": "D", "records": [record.pk]}
    ]


def test_court_enforcement_caps_the_grade_at_c(department: Department) -> None:
    honours = [listing(1, LX="守信激励", WSH=f"万州表彰〔2026〕{n}号") for n in range(3)]
    upload(department, as_record_csv([*honours, listing(1, LX="失信被执行人")]), "名单.csv")

    score = score_of(1)

    assert (score.total, score.grade) == (770, "C")  # 800 + 90 − 120, B by points


def test_honours_are_capped(department: Department) -> None:
    rows = [listing(1, LX="守信激励", WSH=f"万州表彰〔2026〕{n}号") for n in range(4)]
    upload(department, as_record_csv(rows), "名单.csv")

    score = score_of(1)

    assert (score.total, score.grade) == (890, "A")
    rule = score.explanation["indicators"]["D3.2"]["rules"][0]
    assert (rule["points"], rule["capped"], len(rule["records"])) == (90.0, True, 4)


def test_a_warning_under_the_2026_rules_is_not_published_and_does_not_count(
    department: Department,
) -> None:
    upload(department, as_csv([penalty(1, CFLB="警告", NR_FK="", NR="警告")]))

    assert (score_of(1).total, Record.objects.get().published_by_rule) == (800, False)


@pytest.mark.parametrize(("grade_b", "grade"), [(760, "B"), (761, "C")])
def test_grade_boundaries_are_inclusive(department: Department, grade_b: int, grade: str) -> None:
    admin = make_staff("wanzhou", "scorer@wanzhou.test", StaffRole.DISTRICT_ADMIN)
    upload(department, as_csv([penalty(1)]))
    draft = scorecard_draft(user=admin)
    scorecard_update_grades(user=admin, scorecard=draft, grade_a=850, grade_b=grade_b, grade_c=550)
    scorecard_publish(user=admin, scorecard=draft)

    score = score_of(1)

    assert (score.total, score.grade, score.scorecard_id) == (760, grade, draft.pk)


def test_a_repaired_or_withdrawn_penalty_stops_counting_by_itself(
    department: Department, django_capture_on_commit_callbacks: Any
) -> None:
    upload(department, as_csv([penalty(1), penalty(2)]))
    assert (score_of(1).total, score_of(2).total) == (760, 760)
    reviewer = make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER)
    first, second = Record.objects.order_by("pk")

    with django_capture_on_commit_callbacks(execute=True):
        record_withdraw(record=first, user=reviewer, reason="复议撤销", revoked_on=TODAY)
    Record.objects.filter(pk=second.pk).update(repaired_at=timezone.now())
    scores_refresh(subject_ids=[second.subject_id], reason="record.repair", today=TODAY)

    now = {s.subject_id: s.total for s in SubjectScore.objects.filter(is_current=True)}
    assert now == {first.subject_id: 800, second.subject_id: 800}
    history = score_history(first.subject_id)
    assert [(h.total, h.reason, h.is_current) for h in history] == [
        (800, "record.withdraw", True),
        (760, "test", False),
    ]


def test_an_upload_rescores_its_subjects_when_it_commits(
    department: Department, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        upload(department, as_csv([penalty(1), penalty(2, CFLB="吊销许可证件")]))

    totals = sorted(SubjectScore.objects.values_list("total", "reason"))
    assert totals == [(650, "batch.ingest"), (760, "batch.ingest")]


def test_rescoring_unchanged_results_writes_no_history(department: Department) -> None:
    upload(department, as_csv([penalty(1)]))
    score_of(1)
    score_of(1)

    assert SubjectScore.objects.count() == 1


def test_natural_persons_are_not_scored(department: Department) -> None:
    upload(
        department,
        as_csv([penalty(1, XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM="11010519491231002X")]),
    )

    scores_refresh(reason="test", today=TODAY)

    assert SubjectScore.objects.count() == 0


def test_publishing_a_changed_weight_rescores_everyone_with_explanations(
    department: Department, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    admin = make_staff("wanzhou", "scorer@wanzhou.test", StaffRole.DISTRICT_ADMIN)
    upload(department, as_csv([penalty(1)]))
    upload(department, as_record_csv([listing(2, LX="守信激励")]), "名单.csv")
    scores_refresh(reason="test", today=TODAY)
    draft = scorecard_draft(user=admin)
    indicator_update(
        user=admin, indicator=draft.indicators.get(code="D1"), weight="0.35", start="1"
    )
    indicator_update(
        user=admin, indicator=draft.indicators.get(code="D3"), weight="0.10", start="1"
    )

    with django_capture_on_commit_callbacks(execute=True):
        scorecard_publish(user=admin, scorecard=draft)

    current = {
        s.subject.uscc: (s.total, s.grade, s.scorecard.number, s.reason)
        for s in SubjectScore.objects.filter(is_current=True).select_related("subject", "scorecard")
    }
    # Base 840: 遵纪守法 350 + 履约践诺 200 + 资质荣誉 20 + 社会责任 70 + 监管风险 200.
    assert current == {
        uscc(1): (800, "B", 2, "scorecard.publish"),  # 行政处罚 210 − 40
        uscc(2): (870, "A", 2, "scorecard.publish"),  # 荣誉 +30
    }
    assert list(Scorecard.objects.values_list("number", "status")) == [
        (2, "published"),
        (1, "retired"),
    ]
    explained = score_explain(SubjectScore.objects.get(is_current=True, subject__uscc=uscc(1)))
    law = explained.dimensions[0]
    assert (law.name, law.max_points, law.points) == ("遵纪守法", Decimal("350"), Decimal("310"))
    punished = law.children[0]
    assert (punished.points, punished.rules[0].code, punished.rules[0].records) == (
        Decimal("170"), "R02", [Record.objects.get(kind="penalty")],
    )  # fmt: skip


def test_weights_that_do_not_add_up_are_refused(department: Department) -> None:
    admin = make_staff("wanzhou", "scorer@wanzhou.test", StaffRole.DISTRICT_ADMIN)
    draft = scorecard_draft(user=admin)
    indicator_update(
        user=admin, indicator=draft.indicators.get(code="D1.1"), weight="0.5", start="1"
    )

    with pytest.raises(ValidationFailed, match="“遵纪守法”下各指标权重之和应为1，现为0.9"):
        scorecard_publish(user=admin, scorecard=draft)
    with pytest.raises(ValidationFailed, match="应为0到1之间的小数"):
        indicator_update(
            user=admin, indicator=draft.indicators.get(code="D1.1"), weight="2", start="1"
        )


def test_only_a_district_admin_edits_and_only_drafts(department: Department) -> None:
    admin = make_staff("wanzhou", "scorer@wanzhou.test", StaffRole.DISTRICT_ADMIN)
    clerk = make_staff("wanzhou", "clerk@wanzhou.test", StaffRole.DATA_CLERK)
    published = scorecard_ensure_default()

    with pytest.raises(PermissionDenied):
        scorecard_draft(user=clerk)
    with pytest.raises(ValidationFailed, match="只能修改草稿版本"):
        rule_update(user=admin, rule=published.rules.get(code="R02"), points="-50", cap="")
    draft = scorecard_draft(user=admin)
    rule = rule_update(
        user=admin, rule=draft.rules.get(code="R02"), points="-50", cap="", veto_grade=""
    )
    assert (rule.points, published.rules.get(code="R02").points) == (Decimal("-50"), Decimal("-40"))
    assert Indicator.objects.filter(scorecard=draft).count() == 14
    assert ScoringRule.objects.filter(scorecard=draft).count() == 13


def test_a_rule_added_for_a_district_item_scores_its_records(department: Department) -> None:
    admin = make_staff("wanzhou", "scorer@wanzhou.test", StaffRole.DISTRICT_ADMIN)
    draft = scorecard_draft(user=admin)
    with pytest.raises(ValidationFailed, match="目录中没有信息项D99-01"):
        rule_add(user=admin, scorecard=draft,
                 spec=RuleSpec("D4.1", "志愿服务", "10", catalog_item_code="D99-01"))  # fmt: skip
    rule = rule_add(user=admin, scorecard=draft, spec=RuleSpec(
        "D1.1", "罚款百万元以上", "-50", record_kind="penalty", penalty_category="罚款",
        min_fine_wan="100", use_recency=True,
    ))  # fmt: skip
    scorecard_update_recency(user=admin, scorecard=draft, steps=[("6", "1"), ("24", "0.5")],
                             older_factor="0.1")  # fmt: skip
    scorecard_publish(user=admin, scorecard=draft)
    upload(
        department, as_csv([penalty(1, NR_FK="120"), penalty(2, NR_FK="120", JDRQ="2026-01-10")])
    )

    assert rule.code == "R14"
    assert rules_of(score_of(1), "D1.1") == [("R02", -40.0), ("R04", -20.0), ("R14", -50.0)]
    assert rules_of(score_of(2), "D1.1") == [("R02", -20.0), ("R04", -10.0), ("R14", -25.0)]


def test_recency_steps_must_ascend(department: Department) -> None:
    admin = make_staff("wanzhou", "scorer@wanzhou.test", StaffRole.DISTRICT_ADMIN)
    draft = scorecard_draft(user=admin)

    with pytest.raises(ValidationFailed, match="时效分段的月数应从小到大"):
        scorecard_update_recency(user=admin, scorecard=draft, steps=[("24", "1"), ("12", "0.5")],
                                 older_factor="0.1")  # fmt: skip
    with pytest.raises(ValidationFailed, match="应为0到1之间的小数"):
        scorecard_update_recency(
            user=admin, scorecard=draft, steps=[("12", "1.5")], older_factor="0"
        )
