"""The retention rule of 征信业管理条例 Art. 16 as versioned data: seeded, judged by the decision
date, never changed once saved (a new version starts later)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, transaction
from django.test import Client
from django_tenants.utils import schema_context

from core.accounts.models import User
from core.retention.models import RetentionRule, RetentionScope
from core.retention.rules import RetentionRules, RetentionTerm, retention_rule_start_problem
from tests.conftest import OPERATOR_HOST, client_for
from tests.support.clock import Clock


@pytest.fixture
def root(db: None, clock: Clock) -> Client:
    clock.move_to(date(2026, 11, 27))
    with schema_context("public"):
        user = User.objects.create_superuser("root@operator.test", "Root-Pass-2026")
    client = client_for(OPERATOR_HOST)
    client.force_login(user)
    return client


def test_the_2013_rule_counts_a_persons_negative_records_for_five_years(db: None) -> None:
    rule = RetentionRule.objects.get()
    scopes = sorted(rule.scopes.values_list("subject_kind", "record_kind", "runs_from"))

    assert (rule.code, rule.effective_from, rule.years) == ("2013", date(2013, 3, 15), 5)
    assert scopes == [
        ("natural", "abnormal", "listing_end"),
        ("natural", "black_list", "listing_end"),
        ("natural", "court_enforcement", "listing_end"),
        ("natural", "penalty", "penalty_term_end"),
    ]


def test_the_version_in_force_on_the_decision_date_decides(db: None) -> None:
    later = RetentionRule.objects.create(
        code="2030", name="测试版本", basis="测试", effective_from=date(2030, 1, 1), years=3
    )
    RetentionScope.objects.create(
        rule=later, subject_kind="natural", record_kind="penalty", runs_from="decision"
    )
    rules = RetentionRules()

    def term(decided: date, subject: str = "natural", kind: str = "penalty") -> object:
        return rules.term(decision_date=decided, subject_kind=subject, record_kind=kind)

    assert term(date(2012, 1, 1)) == RetentionTerm("2013", 5, "penalty_term_end")
    assert term(date(2029, 12, 31)) == RetentionTerm("2013", 5, "penalty_term_end")
    assert term(date(2030, 1, 1)) == RetentionTerm("2030", 3, "decision")
    assert term(date(2029, 12, 31), kind="black_list") == RetentionTerm("2013", 5, "listing_end")
    assert term(date(2030, 1, 1), kind="black_list") is None  # the 2030 version drops it
    assert term(date(2020, 1, 1), subject="legal") is None
    assert term(date(2020, 1, 1), subject="individual") is None
    assert term(date(2020, 1, 1), kind="license") is None
    assert RetentionTerm("2013", 5, "decision").kept_until(date(2028, 2, 29)) == date(2033, 2, 28)


def test_a_saved_version_is_never_changed_or_removed(db: None) -> None:
    for change in (
        lambda: RetentionRule.objects.update(years=3),
        lambda: RetentionScope.objects.all().delete(),
        lambda: RetentionScope.objects.update(runs_from="decision"),
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change()
    assert RetentionRule.objects.get().years == 5


def test_a_new_version_starts_after_today_and_after_the_latest(db: None) -> None:
    today = date(2026, 11, 27)

    assert retention_rule_start_problem(effective_from=today, today=today) == (
        "新版本的施行日期须晚于今天（2026-11-27），已生效的规则不能更改"
    )
    assert retention_rule_start_problem(effective_from=date(2027, 1, 1), today=today) is None
    RetentionRule.objects.create(
        code="2028", name="测试版本", basis="测试", effective_from=date(2028, 1, 1), years=5
    )
    assert retention_rule_start_problem(effective_from=date(2027, 1, 1), today=today) == (
        "新版本的施行日期须晚于现有最新版本“2028”的施行日期（2028-01-01）"
    )


def test_the_operator_console_adds_versions_but_edits_none(root: Client) -> None:
    rule = RetentionRule.objects.get()

    shown = root.get(f"/admin/retention/retentionrule/{rule.pk}/change/")
    assert shown.status_code == 200
    assert 'name="years"' not in shown.content.decode()
    changed = root.post(f"/admin/retention/retentionrule/{rule.pk}/change/", {"years": "3"})
    assert changed.status_code == 403
    removed = root.post(f"/admin/retention/retentionrule/{rule.pk}/delete/", {"post": "yes"})
    assert removed.status_code == 403

    form = {
        "code": "2026b", "name": "测试版本", "basis": "测试", "effective_from": "2026-11-27",
        "years": "3", "note": "",
        "scopes-TOTAL_FORMS": "1", "scopes-INITIAL_FORMS": "0",
        "scopes-0-subject_kind": "natural", "scopes-0-record_kind": "penalty",
        "scopes-0-runs_from": "decision",
    }  # fmt: skip
    refused = root.post("/admin/retention/retentionrule/add/", form)
    assert refused.status_code == 200
    assert (
        "新版本的施行日期须晚于今天（2026-11-27），已生效的规则不能更改" in refused.content.decode()
    )

    added = root.post(
        "/admin/retention/retentionrule/add/", {**form, "effective_from": "2027-01-01"}
    )
    assert added.status_code == 302
    new = RetentionRule.objects.get(code="2026b")
    assert list(new.scopes.values_list("subject_kind", "record_kind", "runs_from")) == [
        ("natural", "penalty", "decision")
    ]
