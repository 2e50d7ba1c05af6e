from __future__ import annotations

from datetime import date

import pytest

from core.common.errors import ValidationFailed
from core.publicity.rules import PublicityRules, add_months


@pytest.fixture
def rules(db: None) -> PublicityRules:
    return PublicityRules()


@pytest.mark.parametrize(
    ("decided", "severity", "expected"),
    [
        (date(2020, 3, 10), "ordinary", ("2019", True, date(2020, 6, 10), date(2021, 3, 10))),
        (date(2020, 3, 10), "serious", ("2019", True, date(2020, 9, 10), date(2023, 3, 10))),
        (date(2023, 4, 30), "ordinary", ("2019", True, date(2023, 7, 30), date(2024, 4, 30))),
        (date(2023, 5, 1), "ordinary", ("2023", True, date(2023, 8, 1), date(2026, 5, 1))),
        (date(2026, 3, 31), "serious", ("2023", True, date(2027, 3, 31), date(2029, 3, 31))),
        (date(2026, 4, 1), "ordinary", ("2026", True, date(2026, 7, 1), date(2027, 4, 1))),
        (date(2026, 4, 1), "serious", ("2026", True, date(2027, 4, 1), date(2029, 4, 1))),
        (date(2026, 4, 1), "minor", ("2026", False, date(2026, 4, 1), date(2026, 7, 1))),
        (date(2018, 1, 5), "ordinary", ("2019", True, date(2018, 4, 5), date(2019, 1, 5))),
    ],
)
def test_the_regime_in_force_on_the_decision_date_sets_the_window(
    rules: PublicityRules, decided: date, severity: str, expected: tuple[str, bool, date, date]
) -> None:
    window = rules.window(decision_date=decided, severity=severity)

    assert (window.regime_code, window.published, window.repair_from, window.end) == expected
    assert window.start == decided


def test_the_2023_sector_rule_sets_a_one_year_minimum(rules: PublicityRules) -> None:
    window = rules.window(decision_date=date(2024, 1, 31), severity="ordinary", sector="food")

    assert (window.repair_from, window.end) == (date(2025, 1, 31), date(2027, 1, 31))


def test_a_requested_end_must_lie_within_the_rule(rules: PublicityRules) -> None:
    inside = rules.window(
        decision_date=date(2026, 5, 1), severity="ordinary", requested_end=date(2026, 12, 31)
    )
    assert inside.end == date(2026, 12, 31)

    with pytest.raises(ValidationFailed) as caught:
        rules.window(
            decision_date=date(2026, 5, 1), severity="ordinary", requested_end=date(2027, 6, 1)
        )
    assert (
        caught.value.message
        == "公示截止期2027-06-01超出规则“2026”允许的范围（2026-08-01至2027-05-01）"
    )


def test_months_are_added_on_calendar_days() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2026, 11, 20), 3) == date(2027, 2, 20)
