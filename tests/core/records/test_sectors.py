"""A penalty's field (领域) and its publicity window under the 2023 rules (国家发展改革委令第58号: one
year for food, drugs, special equipment, work safety and fire): inferred on the way in, stated by
the department's 行业领域 column, set by a clerk on the record, inferred again for stored records by
`manage.py records_sector`."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.catalog.models import Department, StaffAssignment
from core.collection.services import validation_context
from core.common.errors import PermissionDenied, ValidationFailed
from core.records.drafts import RecordDraft
from core.records.models import Record
from core.records.services import record_sector_set
from core.records.validation import Problem, validate_row
from tests.conftest import make_staff
from tests.core.collection.conftest import district, upload  # noqa: F401 (fixture)
from tests.core.collection.files import as_csv, penalty

LIFTS = "《中华人民共和国特种设备安全法》第八十四条"
FIRE_LAW = "《中华人民共和国消防法》第六十条"
# Decided under the 2023 rules (in force 2023-05-01 to 2026-03-31), in force for a year.
IN_2023_RULES = {"JDRQ": "2025-06-06", "YXQ": "2026-06-06"}


def _validated(department: Department, **changes: str) -> RecordDraft | list[Problem]:
    ctx = validation_context(department=department, prefix="CF")
    return validate_row("CF", penalty(1, **IN_2023_RULES, **changes), ctx)


def _stored(department: Department, *rows: dict[str, str]) -> dict[str, Record]:
    """Upload the rows (the first one names every column); the records by document number."""
    upload(department, as_csv(list(rows)))
    return {r.doc_number: r for r in Record.objects.all()}


def test_a_special_equipment_penalty_waits_a_year_and_a_general_one_three_months(
    district: Department,  # noqa: F811
) -> None:
    lifts = penalty(1, YJ=LIFTS, WFXW="使用未经定期检验的电梯", **IN_2023_RULES)
    general = penalty(2, **IN_2023_RULES)

    stored = _stored(district, lifts, general)

    lift, plain = stored[lifts["WSH"]], stored[general["WSH"]]
    assert (lift.sector, lift.sector_source, lift.regime_code) == (
        "special_equipment", "inferred", "2023",
    )  # fmt: skip
    assert (lift.repair_from, lift.publicity_end) == (date(2026, 6, 6), date(2028, 6, 6))
    assert (plain.sector, plain.sector_source) == ("", "inferred")
    assert (plain.repair_from, plain.publicity_end) == (date(2025, 9, 6), date(2028, 6, 6))


def test_the_column_states_the_field_over_what_the_text_says(
    district: Department,  # noqa: F811
) -> None:
    general = _validated(district, YJ=LIFTS, HYLY="一般领域")
    fire = _validated(district, HYLY="消防")

    assert isinstance(general, RecordDraft)
    assert isinstance(fire, RecordDraft)
    assert (general.sector, general.sector_source, general.repair_from) == (
        "", "column", date(2025, 9, 6),
    )  # fmt: skip
    assert (fire.sector, fire.sector_source, fire.repair_from) == (
        "fire", "column", date(2026, 6, 6),
    )  # fmt: skip
    assert fire.fields["CF_HYLY"] == "消防"


def test_a_field_the_column_does_not_know_is_a_row_problem(
    district: Department,  # noqa: F811
) -> None:
    problems = _validated(district, HYLY="医疗器械")

    assert problems == [
        Problem(
            "CF_HYLY",
            "行业领域",
            "医疗器械",
            "行业领域应为“食品”“药品”“特种设备”“安全生产”“消防”或“一般领域”",
        )
    ]


@pytest.fixture
def clerk(district: Department) -> User:  # noqa: F811
    user = make_staff("wanzhou", "clerk@wanzhou.test", StaffRole.DATA_CLERK)
    StaffAssignment.objects.create(user=user, department=district)
    return user


def test_a_clerk_sets_the_field_and_the_window_follows(
    district: Department,  # noqa: F811
    clerk: User,
) -> None:
    record = _stored(district, penalty(1, WFXW="未按规定进行检验", **IN_2023_RULES))[
        "万州市监罚〔2026〕1号"
    ]

    record_sector_set(record=record, user=clerk, sector="special_equipment")

    record.refresh_from_db()
    assert (record.sector, record.sector_source) == ("special_equipment", "clerk")
    assert (record.repair_from, record.publicity_end) == (date(2026, 6, 6), date(2028, 6, 6))
    entry = AuditEntry.objects.get(action="record.sector_set")
    assert (entry.record_id, entry.actor_label) == (record.pk, "clerk@wanzhou.test")
    assert entry.details["before"]["repair_from"] == "2025-09-06"
    assert entry.details["after"] == {
        "sector": "special_equipment", "sector_source": "clerk", "regime_code": "2023",
        "published_by_rule": True, "repair_from": "2026-06-06", "publicity_end": "2028-06-06",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("marker", "state"),
    [("withdrawn_at", "已撤回"), ("repaired_at", "已信用修复"), ("expired", "公示期已满")],
)
def test_a_record_no_longer_public_is_not_reopened(
    district: Department,  # noqa: F811
    clerk: User,
    marker: str,
    state: str,
) -> None:
    dates = {"JDRQ": "2023-06-01", "YXQ": "2024-06-01"} if marker == "expired" else IN_2023_RULES
    record = _stored(district, penalty(1, **dates))["万州市监罚〔2026〕1号"]
    if marker != "expired":  # the state's marker, as withdrawal or repair sets it
        Record.objects.filter(pk=record.pk).update(**{marker: timezone.now()})

    with pytest.raises(ValidationFailed) as refused:
        record_sector_set(record=record, user=clerk, sector="food")

    assert refused.value.message == (
        f"该记录{state}，公示已经结束，不因行业领域重新计算公示期限或恢复公示"
    )
    assert Record.objects.get().sector == ""


def test_the_field_keeps_a_requested_end_or_is_refused(
    district: Department,  # noqa: F811
    clerk: User,
) -> None:
    decided = {"JDRQ": "2026-03-01", "YXQ": "2027-03-01"}  # the 2023 rules' last month
    stored = _stored(
        district,
        penalty(1, GSJZQ="2027-06-30", **decided),
        penalty(2, GSJZQ="2026-12-31", **decided),
    )

    record_sector_set(record=stored["万州市监罚〔2026〕1号"], user=clerk, sector="fire")
    with pytest.raises(ValidationFailed) as refused:
        record_sector_set(record=stored["万州市监罚〔2026〕2号"], user=clerk, sector="fire")

    kept = Record.objects.get(doc_number="万州市监罚〔2026〕1号")
    assert (kept.repair_from, kept.publicity_end) == (date(2027, 3, 1), date(2027, 6, 30))
    assert refused.value.message == (
        "按所选行业领域，公示截止期2026-12-31超出规则“2023”允许的范围（2027-03-01至2029-03-01），"
        "请由报送部门先更正公示截止期"
    )


def test_only_staff_of_the_supplying_department_set_the_field(
    district: Department,  # noqa: F811
) -> None:
    record = _stored(district, penalty(1, **IN_2023_RULES))["万州市监罚〔2026〕1号"]
    other = Department.objects.create(code="11500101MB1234560X", name="重庆市万州区应急管理局")
    outsider = make_staff("wanzhou", "outsider@wanzhou.test", StaffRole.DATA_CLERK)
    StaffAssignment.objects.create(user=outsider, department=other)

    with pytest.raises(PermissionDenied, match="数据录入员只能为本部门录入和上传数据"):
        record_sector_set(record=record, user=outsider, sector="fire")


def _recompute(*options: str) -> str:
    out = StringIO()
    call_command("records_sector", "--district", "wanzhou", *options, stdout=out)
    return out.getvalue()


def test_the_command_infers_stored_penalties_again_and_recomputes_their_windows(
    district: Department,  # noqa: F811
    clerk: User,
) -> None:
    rows = {
        "lifts": penalty(1, YJ=LIFTS, HYLY="", **IN_2023_RULES),
        "general": penalty(2, **IN_2023_RULES),
        "withdrawn": penalty(3, YJ=LIFTS, **IN_2023_RULES),
        "expired": penalty(4, YJ=FIRE_LAW, JDRQ="2023-06-01", YXQ="2024-06-01"),
        "stated": penalty(5, YJ=LIFTS, HYLY="一般领域", **IN_2023_RULES),
        "clerk's": penalty(6, YJ=LIFTS, **IN_2023_RULES),
        "2026 rules": penalty(7, YJ=FIRE_LAW),
    }
    stored = _stored(district, *rows.values())
    record = {name: stored[row["WSH"]] for name, row in rows.items()}
    record_sector_set(record=record["clerk's"], user=clerk, sector="")
    # What records stored before fields were inferred hold: no field, a three-month minimum.
    Record.objects.filter(sector_source="inferred").update(sector="")
    Record.objects.filter(pk=record["lifts"].pk).update(repair_from=date(2025, 9, 6))
    Record.objects.filter(pk=record["withdrawn"].pk).update(
        repair_from=date(2025, 9, 6), withdrawn_at=timezone.now()
    )
    Record.objects.filter(pk=record["expired"].pk).update(repair_from=date(2023, 9, 1))
    audited = AuditEntry.objects.count()

    dry = _recompute("--dry-run")

    assert dry.splitlines() == [
        "wanzhou：检查由系统推断领域的行政处罚记录5条：公示期限将变更1条，仅领域将变更1条（公示期限不变）；"
        "未调整：已撤回1条、已信用修复0条、公示期已满1条，公示截止期早于新的最短公示期届满日0条"
        "（试运行，未作任何更改）",
        f"  记录{record['lifts'].pk}　一般领域→特种设备　可申请修复起2025-09-06→2026-06-06"
        "　公示截止2028-06-06→2028-06-06",
        f"  记录{record['2026 rules'].pk}　一般领域→消防　可申请修复起2027-02-20→2027-02-20"
        "　公示截止2027-11-20→2027-11-20",
    ]
    assert AuditEntry.objects.count() == audited
    assert Record.objects.get(pk=record["lifts"].pk).repair_from == date(2025, 9, 6)

    first = _recompute()
    second = _recompute()

    assert first.splitlines() == [
        "wanzhou：检查由系统推断领域的行政处罚记录5条：公示期限已变更1条，仅领域已变更1条（公示期限不变）；"
        "未调整：已撤回1条、已信用修复0条、公示期已满1条，公示截止期早于新的最短公示期届满日0条"
    ]
    after = {name: Record.objects.get(pk=r.pk) for name, r in record.items()}
    assert (after["lifts"].sector, after["lifts"].repair_from) == (
        "special_equipment", date(2026, 6, 6),
    )  # fmt: skip
    assert after["general"].repair_from == date(2025, 9, 6)
    assert (after["withdrawn"].sector, after["withdrawn"].repair_from) == ("", date(2025, 9, 6))
    assert (after["expired"].sector, after["expired"].repair_from) == ("", date(2023, 9, 1))
    assert (after["stated"].sector, after["stated"].sector_source) == ("", "column")
    assert (after["clerk's"].sector, after["clerk's"].sector_source) == ("", "clerk")
    assert after["2026 rules"].sector == "fire"
    entries = AuditEntry.objects.filter(action="record.sector_recompute").order_by("record_id")
    assert [(e.record_id, e.actor_label.startswith("cli:")) for e in entries] == [
        (record["lifts"].pk, True), (record["2026 rules"].pk, True),
    ]  # fmt: skip
    lifts = entries[0].details
    assert (lifts["before"]["repair_from"], lifts["after"]["repair_from"]) == (
        "2025-09-06", "2026-06-06",
    )  # fmt: skip
    assert (lifts["before"]["sector"], lifts["after"]["sector"]) == ("", "special_equipment")
    assert "公示期限已变更0条，仅领域已变更0条" in second
