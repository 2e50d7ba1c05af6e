"""The official holiday arrangements (国务院办公厅 notices), from the chinese-calendar package."""

from __future__ import annotations

from datetime import date

from chinese_calendar.constants import holidays, workdays

# chinese-calendar names the festivals in English.
NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def official_exceptions(since: date = date(2015, 1, 1)) -> list[tuple[date, str, str]]:
    """(date, kind, Chinese name) for weekday holidays and weekend make-up days since `since`."""
    rows = [
        (d, "holiday", NAMES.get(str(n), str(n)))
        for d, n in holidays.items()
        if d >= since and d.weekday() < 5
    ]
    rows += [
        (d, "workday", NAMES.get(str(n), str(n)) + "调休")
        for d, n in workdays.items()
        if d >= since
    ]
    return sorted(rows)
