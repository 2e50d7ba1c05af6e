"""The check (issue 23): every line of a list answered, findings in force with their source,
the measures the matter's rules attach with their legal basis, the query log, versions."""

from __future__ import annotations

from datetime import date

import pytest
from django_tenants.utils import schema_context

from core.common.errors import Conflict, PermissionDenied
from core.common.workdays import add_working_days
from core.discipline.enums import Finding, RowStatus
from core.discipline.models import Check, CheckRow
from core.discipline.services import MAX_LINES, check_run, matter_rules_set
from core.reports.models import QueryLog
from tests.core.collection.files import uscc
from tests.core.discipline.conftest import (
    BLACK,
    CLEAN,
    CLERK,
    PENALISED,
    RED,
    Setting,
    subsidy,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.django_db
PERSON = "11010519491231002X"


def _rows(check: Check) -> list[tuple[int, str, str, str]]:
    return [(r.position, r.given, r.status, r.reason) for r in check.rows.order_by("position")]


def test_a_list_is_answered_line_by_line(subsidy: Setting) -> None:  # noqa: F811
    with schema_context("wanzhou"):
        unknown = uscc(99)
        check = check_run(
            actor=CLERK, department=subsidy.finance, matter=subsidy.matter,
            entries=[BLACK, f" {RED.lower()} ", "", CLEAN, BLACK, "91500000MA5U7XXX1B", PERSON,
                     unknown, "重庆市万州区第2建设有限公司", "ABC", PENALISED],
        )  # fmt: skip

        assert _rows(check) == [
            (1, BLACK, RowStatus.HIT, ""),
            (2, RED, RowStatus.HIT, ""),
            (4, CLEAN, RowStatus.CLEAR, ""),
            (5, BLACK, RowStatus.DUPLICATE, "与第1行重复，未重复核查"),
            (6, "91500000MA5U7XXX1B", RowStatus.INVALID, "统一社会信用代码校验位错误：第18位应为“A”，实为“B”"),
            (7, "1101**********002X", RowStatus.NOT_ALLOWED, "该事项的核查依据未规定可核查自然人，本行未核查"),
            (8, unknown, RowStatus.NOT_FOUND, "平台未归集到该主体的信用信息"),
            (9, "重庆市万州区第2建设有限公司", RowStatus.DUPLICATE, "与第2行是同一主体，未重复核查"),
            (10, "ABC", RowStatus.INVALID, "既不是统一社会信用代码或身份证号码，也不是主体名称"),
            (11, PENALISED, RowStatus.HIT, ""),
        ]  # fmt: skip
        assert (check.rows_total, check.checked_total, check.hits) == (10, 4, 3)
        assert check.number.startswith("HC20261127")
        assert len(check.verification_code) == 8
        assert check.feedback_due == add_working_days(date(2026, 11, 27), 5) == date(2026, 12, 4)

        black = CheckRow.objects.get(credit_check=check, position=1)
        assert [(f["finding"], f["doc_number"], f["authority"], f["date"]) for f in black.findings] == [
            (Finding.SERIOUS_DISHONESTY, "万州发改认〔2026〕1号", "重庆市万州区发展和改革委员会", "2026-06-01")
        ]  # fmt: skip
        assert [(m["code"], m["name"], m["kind"]) for m in black.measures] == [
            ("CJ-05", "限制获得财政资金支持和政策性优惠", "punishment"),
            ("CJ-12", "在行政管理中作为审慎参考", "punishment"),
        ]
        assert black.measures[0]["basis"] == "相关法规和国务院政策文件"
        red = CheckRow.objects.get(credit_check=check, position=2)
        assert [f["finding"] for f in red.findings] == [Finding.RED_LIST]
        assert [(m["code"], m["kind"]) for m in red.measures] == [("JL-02", "incentive")]
        penalised = CheckRow.objects.get(credit_check=check, position=11)
        assert [f["finding"] for f in penalised.findings] == [Finding.SERIOUS_PENALTY]
        assert [m["code"] for m in penalised.measures] == ["CJ-12"]

        logged = QueryLog.objects.filter(report_number=check.number).order_by("subject__uscc")
        assert [(q.subject.uscc, q.requester_name, q.purpose, q.product) for q in logged] == [
            (code, "重庆市万州区财政局", "信用核查：中小企业发展专项资金补助", "credit_check")
            for code in sorted([BLACK, RED, CLEAN, PENALISED])
        ]


def test_a_list_over_the_limit_is_checked_up_to_it(subsidy: Setting) -> None:  # noqa: F811
    with schema_context("wanzhou"):
        entries = [uscc(1000 + i) for i in range(MAX_LINES)] + [BLACK, RED]
        check = check_run(actor=CLERK, department=subsidy.finance, matter=subsidy.matter,
                          entries=entries)  # fmt: skip
        tail = _rows(check)[-3:]
        assert tail == [
            (1000, uscc(1999), RowStatus.NOT_FOUND, "平台未归集到该主体的信用信息"),
            (1001, BLACK, RowStatus.OVER_LIMIT, "每次最多核查1000条，本行未核查"),
            (1002, RED, RowStatus.OVER_LIMIT, "每次最多核查1000条，本行未核查"),
        ]
        assert check.hits == 0
        assert check.feedback_due is None


def test_a_persons_check_needs_a_matter_that_allows_it(subsidy: Setting) -> None:  # noqa: F811
    with schema_context("wanzhou"):
        subsidy.matter.persons_allowed = True
        subsidy.matter.save()
        check = check_run(actor=CLERK, department=subsidy.finance, matter=subsidy.matter,
                          entries=[PERSON, "110105194912310021"])  # fmt: skip
        assert _rows(check) == [
            (1, "1101**********002X", RowStatus.NOT_FOUND, "平台未归集到该主体的信用信息"),
            (2, "1101**********0021", RowStatus.INVALID, "身份证号码校验位错误：第18位应为“X”，实为“1”"),
        ]  # fmt: skip
        assert "11010519491231002X" not in str(list(CheckRow.objects.values()))


def test_another_departments_matter_is_refused(subsidy: Setting) -> None:  # noqa: F811
    with schema_context("wanzhou"), pytest.raises(PermissionDenied) as refused:
        check_run(actor=CLERK, department=subsidy.market, matter=subsidy.matter, entries=[BLACK])
    assert refused.value.code == "FOREIGN_MATTER"
    assert refused.value.message == (
        "事项“中小企业发展专项资金补助”属于重庆市万州区财政局，不能以重庆市万州区市场监督管理局的名义核查"
    )


def test_an_idempotency_key_replays_and_refuses_another_list(subsidy: Setting) -> None:  # noqa: F811
    with schema_context("wanzhou"):
        first = check_run(actor=CLERK, department=subsidy.finance, matter=subsidy.matter,
                          entries=[BLACK], idempotency_key="k-1")  # fmt: skip
        again = check_run(actor=CLERK, department=subsidy.finance, matter=subsidy.matter,
                          entries=[BLACK], idempotency_key="k-1")  # fmt: skip
        assert again.pk == first.pk
        assert QueryLog.objects.filter(report_number=first.number).count() == 1
        with pytest.raises(Conflict) as reused:
            check_run(actor=CLERK, department=subsidy.finance, matter=subsidy.matter,
                      entries=[RED], idempotency_key="k-1")  # fmt: skip
        assert reused.value.code == "IDEMPOTENCY_KEY_REUSED"


def test_a_new_rule_version_leaves_earlier_checks_alone(subsidy: Setting) -> None:  # noqa: F811
    with schema_context("wanzhou"):
        before = check_run(actor=CLERK, department=subsidy.finance, matter=subsidy.matter,
                           entries=[BLACK])  # fmt: skip
        version = matter_rules_set(actor=CLERK, matter=subsidy.matter,
                                   rules=[(Finding.SERIOUS_DISHONESTY, "CJ-05")])  # fmt: skip
        after = check_run(actor=CLERK, department=subsidy.finance, matter=subsidy.matter,
                          entries=[BLACK])  # fmt: skip
        assert (before.version.number, after.version.number, version.number) == (1, 2, 2)
        assert [m["code"] for m in before.rows.get().measures] == ["CJ-05", "CJ-12"]
        assert [m["code"] for m in after.rows.get().measures] == ["CJ-05"]
