"""Administrative division codes (GB/T 2260): six digits, province · prefecture · county."""

from __future__ import annotations

import re

from core.common.errors import ValidationFailed

# First two digits of every province-level division in GB/T 2260.
PROVINCE_PREFIXES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)

_SIX_DIGITS = re.compile(r"^\d{6}$")


def validate_county_code(code: str, *, field: str = "region_code") -> str:
    """Return the code if it names a county-level division (区/县), else raise ValidationFailed."""
    if not _SIX_DIGITS.match(code):
        raise ValidationFailed(f"行政区划代码应为6位数字，收到“{code}”", field=field)
    if code[:2] not in PROVINCE_PREFIXES:
        raise ValidationFailed(f"行政区划代码“{code}”的前两位不是有效的省级代码", field=field)
    if code[4:] == "00":
        raise ValidationFailed(
            f"行政区划代码“{code}”是省级或地市级代码，区县平台需要区县级代码（末两位不为00）",
            field=field,
        )
    return code
