"""联合奖惩 over the API (issue 23): a department's system checks a list for its matter with its
dk_ key, gets every line answered, feeds back once per line; other departments and callers
without a key are refused with a code and a Chinese message."""

from __future__ import annotations

from typing import Any

import pytest
from django_tenants.utils import schema_context

from core.audit.models import AuditEntry
from core.collection.push import department_key_issue
from core.discipline.models import Check
from tests.conftest import client_for, gql
from tests.core.collection.conftest import district  # noqa: F401  (fixture)
from tests.core.collection.files import uscc
from tests.core.discipline.conftest import (
    BLACK,
    CLEAN,
    RED,
    Setting,
    subsidy,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.django_db

BAD = "91500000MA5U7XXX1B"
CHECK = """
mutation($matter: ID!, $codes: [String!]!, $key: String) {
  creditCheck(matter: $matter, codes: $codes, idempotencyKey: $key) {
    replayed
    errors { code message field }
    check {
      number verificationCode matter rowsTotal checkedTotal hits feedbackDue
      rows {
        position given status reason subjectName
        findings { kind label docNumber authority date until }
        measures { code name kind legalBasis }
      }
    }
  }
}
"""
FEEDBACK = """
mutation($number: String!, $position: Int!, $applied: Boolean!, $outcome: FeedbackOutcome!,
         $measures: [String!], $note: String) {
  checkFeedback(checkNumber: $number, position: $position, applied: $applied, outcome: $outcome,
                measures: $measures, note: $note) {
    errors { code message field }
    feedback { checkNumber position applied outcome outcomeLabel measures late }
  }
}
"""
MATTERS = "{ creditCheckMatters { id name category categoryLabel legalBasis personsAllowed feedbackDays } }"


@pytest.fixture
def keys(subsidy: Setting, wanzhou_admin: Any) -> dict[str, str]:  # noqa: F811
    with schema_context("wanzhou"):
        return {
            "finance": department_key_issue(
                actor=wanzhou_admin, department=subsidy.finance, name="财政补助系统"
            ),
            "market": department_key_issue(
                actor=wanzhou_admin, department=subsidy.market, name="执法办案系统"
            ),
        }


def call(query: str, variables: dict[str, Any], key: str | None) -> dict[str, Any]:
    extra = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    body = gql(client_for("wanzhou.localhost"), query, variables, **extra)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def check(
    setting: Setting, key: str | None, codes: list[str], idempotency_key: str | None = None
) -> dict[str, Any]:
    variables = {"matter": str(setting.matter.pk), "codes": codes, "key": idempotency_key}
    result: dict[str, Any] = call(CHECK, variables, key)["creditCheck"]
    return result


def feedback(key: str | None, number: str, position: int, **extra: Any) -> dict[str, Any]:
    variables = {"number": number, "position": position, "applied": True,
                 "outcome": "NO_SUBSIDY", **extra}  # fmt: skip
    result: dict[str, Any] = call(FEEDBACK, variables, key)["checkFeedback"]
    return result


def test_a_list_is_answered_line_by_line(subsidy: Setting, keys: dict[str, str]) -> None:  # noqa: F811
    answer = check(subsidy, keys["finance"], [BLACK, RED, CLEAN, BAD, BLACK])

    assert (answer["errors"], answer["replayed"]) == ([], False)
    result = answer["check"]
    assert result["number"].startswith("HC20261127")
    assert len(result["verificationCode"]) == 8
    assert {k: result[k] for k in ("matter", "rowsTotal", "checkedTotal", "hits", "feedbackDue")} == {
        "matter": "中小企业发展专项资金补助", "rowsTotal": 5, "checkedTotal": 3, "hits": 2,
        "feedbackDue": "2026-12-04",
    }  # fmt: skip
    assert result["rows"] == [
        {
            "position": 1, "given": BLACK, "status": "HIT", "reason": "",
            "subjectName": "重庆市万州区第1建设有限公司",
            "findings": [{
                "kind": "SERIOUS_DISHONESTY", "label": "严重失信主体名单",
                "docNumber": "万州发改认〔2026〕1号", "authority": "重庆市万州区发展和改革委员会",
                "date": "2026-06-01", "until": "2029-06-01",
            }],
            "measures": [
                {"code": "CJ-05", "name": "限制获得财政资金支持和政策性优惠", "kind": "PUNISHMENT",
                 "legalBasis": "相关法规和国务院政策文件"},
                {"code": "CJ-12", "name": "在行政管理中作为审慎参考", "kind": "PUNISHMENT",
                 "legalBasis": "相关法规和国务院政策文件"},
            ],
        },
        {
            "position": 2, "given": RED, "status": "HIT", "reason": "",
            "subjectName": "重庆市万州区第2建设有限公司",
            "findings": [{
                "kind": "RED_LIST", "label": "守信激励对象（红名单）",
                "docNumber": "万州发改认〔2026〕2号", "authority": "重庆市万州区发展和改革委员会",
                "date": "2026-06-01", "until": "2029-06-01",
            }],
            "measures": [{"code": "JL-02", "name": "在财政资金补助、政策性扶持中同等条件下优先",
                          "kind": "INCENTIVE",
                          "legalBasis": "国发〔2016〕33号 第（五）条 “优先提供公共服务便利”"}],
        },
        {"position": 3, "given": CLEAN, "status": "CLEAR", "reason": "", "subjectName": "重庆市万州区第4超市有限公司",
         "findings": [], "measures": []},
        {"position": 4, "given": BAD, "status": "INVALID",
         "reason": "统一社会信用代码校验位错误：第18位应为“A”，实为“B”", "subjectName": None,
         "findings": [], "measures": []},
        {"position": 5, "given": BLACK, "status": "DUPLICATE", "reason": "与第1行重复，未重复核查",
         "subjectName": None, "findings": [], "measures": []},
    ]  # fmt: skip
    with schema_context("wanzhou"):
        made = Check.objects.get(number=result["number"])
        assert (made.channel, made.actor) == (
            "api",
            f"api:{subsidy.finance.code}:{keys['finance'][:12]}",
        )
        assert (
            AuditEntry.objects.filter(action="discipline.check", actor_label=made.actor).count()
            == 1
        )


def test_the_departments_matters_are_listed(subsidy: Setting, keys: dict[str, str]) -> None:  # noqa: F811
    assert call(MATTERS, {}, keys["finance"])["creditCheckMatters"] == [{
        "id": str(subsidy.matter.pk), "name": "中小企业发展专项资金补助", "category": "SUBSIDY",
        "categoryLabel": "财政资金补助",
        "legalBasis": "《重庆市社会信用条例》第三十二条；《万州区中小企业发展专项资金管理办法》第九条",
        "personsAllowed": False, "feedbackDays": 5,
    }]  # fmt: skip
    assert call(MATTERS, {}, keys["market"])["creditCheckMatters"] == []


def test_a_retry_with_the_same_idempotency_key_answers_the_first_check(
    subsidy: Setting,  # noqa: F811
    keys: dict[str, str],
) -> None:
    first = check(subsidy, keys["finance"], [BLACK, RED], "batch-1")
    again = check(subsidy, keys["finance"], [BLACK, RED], "batch-1")
    reused = check(subsidy, keys["finance"], [CLEAN], "batch-1")

    assert again["replayed"] is True
    assert again["check"] == first["check"]
    assert reused == {
        "replayed": False, "check": None,
        "errors": [{"code": "IDEMPOTENCY_KEY_REUSED", "message": "该 idempotencyKey 已用于另一次核查",
                    "field": "idempotencyKey"}],
    }  # fmt: skip
    with schema_context("wanzhou"):
        assert Check.objects.count() == 1


def test_feedback_is_recorded_once(subsidy: Setting, keys: dict[str, str]) -> None:  # noqa: F811
    number = check(subsidy, keys["finance"], [BLACK, RED, CLEAN])["check"]["number"]

    first = feedback(keys["finance"], number, 1, measures=["CJ-05"])
    second = feedback(keys["finance"], number, 1, measures=["CJ-05"])

    assert first == {
        "errors": [],
        "feedback": {"checkNumber": number, "position": 1, "applied": True, "outcome": "NO_SUBSIDY",
                     "outcomeLabel": "不予补助", "measures": ["CJ-05"], "late": False},
    }  # fmt: skip
    assert second == {
        "feedback": None,
        "errors": [{"code": "ALREADY_FED_BACK", "message": "该主体的核查结果已反馈，不能重复反馈",
                    "field": None}],
    }  # fmt: skip
    assert feedback(keys["finance"], number, 3, applied=False, outcome="NORMAL", note="无")[
        "errors"
    ] == [{"code": "NOTHING_FOUND", "message": "该主体未发现相关信息，无需反馈", "field": None}]
    assert feedback(keys["finance"], number, 9)["errors"] == [
        {"code": "NOT_FOUND", "message": f"核查{number}没有第9行", "field": "position"}
    ]
    assert feedback(keys["finance"], "HC000", 1)["errors"] == [
        {"code": "NOT_FOUND", "message": "没有这个核查编号", "field": None}
    ]


def test_other_departments_are_refused(subsidy: Setting, keys: dict[str, str]) -> None:  # noqa: F811
    number = check(subsidy, keys["finance"], [BLACK])["check"]["number"]

    assert check(subsidy, keys["market"], [BLACK])["errors"] == [{
        "code": "FOREIGN_MATTER", "field": None,
        "message": "事项“中小企业发展专项资金补助”属于重庆市万州区财政局，"
                   "不能以重庆市万州区市场监督管理局的名义核查",
    }]  # fmt: skip
    assert feedback(keys["market"], number, 1)["errors"] == [
        {"code": "FOREIGN_CHECK", "message": "该核查由其他部门发起，不能代为反馈", "field": None}
    ]


def test_only_department_keys_may_call(subsidy: Setting, keys: dict[str, str]) -> None:  # noqa: F811
    refused = [{"code": "UNAUTHENTICATED", "field": None,
                "message": "需要有效的部门接口密钥（Authorization: Bearer dk_…）"}]  # fmt: skip
    assert check(subsidy, None, [BLACK])["errors"] == refused
    assert check(subsidy, "dk_forged", [BLACK])["errors"] == refused
    assert feedback(None, "HC1", 1)["errors"] == refused
    body = gql(client_for("wanzhou.localhost"), MATTERS)
    assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    with schema_context("wanzhou"):
        assert Check.objects.count() == 0


def test_a_long_list_is_answered_past_the_limit_and_refused_past_twice_it(
    subsidy: Setting,  # noqa: F811
    keys: dict[str, str],
) -> None:
    codes = [uscc(5000 + n) for n in range(1000)] + [BLACK, RED]
    answer = check(subsidy, keys["finance"], codes)
    rows = answer["check"]["rows"]
    assert (answer["check"]["rowsTotal"], answer["check"]["checkedTotal"]) == (1002, 0)
    assert [(r["position"], r["status"], r["reason"]) for r in rows[-3:]] == [
        (1000, "NOT_FOUND", "平台未归集到该主体的信用信息"),
        (1001, "OVER_LIMIT", "每次最多核查1000条，本行未核查"),
        (1002, "OVER_LIMIT", "每次最多核查1000条，本行未核查"),
    ]

    refused = check(subsidy, keys["finance"], [uscc(5000 + n) for n in range(2001)])
    assert refused["check"] is None
    assert refused["errors"] == [{"code": "INVALID", "field": "codes",
                                  "message": "名单超过2000行：每次最多核查1000条，请拆分后分批核查"}]  # fmt: skip
