"""Identifiers and their check characters (DOMAIN.md §2), and masking for public pages.

- 统一社会信用代码 (GB 32100-2015): 18 characters from USCC_ALPHABET, check character 18, and an
  embedded organisation code (positions 9–17, GB 11714) with its own check character.
- 公民身份号码 (GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2 check character; old 15-digit
  numbers have no check character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django.utils import timezone

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

_USCC_SHAPE = re.compile(f"^[{USCC_ALPHABET}]{{18}}$")
_ID18_SHAPE = re.compile(r"^\d{17}[\dX]$")
_ID15_SHAPE = re.compile(r"^\d{15}$")


@dataclass(frozen=True)
class IdentifierProblem:
    """Why an identifier is invalid, in Chinese, for row-level error reports."""

    message: str


_FULL_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_SPACES = re.compile(r"\s+")
_USCC_VALUES = {c: i for i, c in enumerate(USCC_ALPHABET)}


def normalise(code: str) -> str:
    """Upper-case, without spaces (full-width characters folded to ASCII)."""
    if code.isascii() and code.isalnum():
        return code.upper()
    return _SPACES.sub("", code.translate(_FULL_WIDTH)).upper()


def uscc_check_character(first17: str) -> str:
    total = sum(_USCC_VALUES[c] * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    value = 31 - total % 31
    return "0" if value == 31 else USCC_ALPHABET[value]


def org_code_check_character(first8: str) -> str:
    total = sum(
        (int(c) if c.isdigit() else ord(c) - 55) * w
        for c, w in zip(first8, ORG_WEIGHTS, strict=True)
    )
    value = 11 - total % 11
    return "0" if value == 11 else "X" if value == 10 else str(value)


@lru_cache(maxsize=65536)  # authority and source codes repeat on every row of a file
def uscc_problem(code: str) -> IdentifierProblem | None:
    """None when `code` (already normalised) is a valid unified social credit code."""
    if len(code) != 18:
        return IdentifierProblem(f"统一社会信用代码应为18位，实际为{len(code)}位")
    if not _USCC_SHAPE.match(code):
        bad = next(c for c in code if c not in USCC_ALPHABET)
        return IdentifierProblem(f"统一社会信用代码含非法字符“{bad}”（不使用I、O、Z、S、V）")
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        return IdentifierProblem(
            f"统一社会信用代码校验位错误：第18位应为“{expected}”，实为“{code[17]}”"
        )
    org = code[8:17]
    if re.match(r"^[0-9A-Z]{8}[0-9X]$", org) and org_code_check_character(org[:8]) != org[8]:
        return IdentifierProblem(
            f"统一社会信用代码第9–17位（组织机构代码）校验位错误：应为“{org_code_check_character(org[:8])}”"
        )
    return None


def resident_id_problem(number: str, *, today: date | None = None) -> IdentifierProblem | None:
    """None when `number` (already normalised) is a valid 18-digit or legacy 15-digit resident ID."""
    if _ID15_SHAPE.match(number):
        birth = "19" + number[6:12]
    elif _ID18_SHAPE.match(number):
        birth = number[6:14]
    else:
        return IdentifierProblem("身份证号码应为18位（末位可为X）或15位数字")
    try:
        born = date(int(birth[:4]), int(birth[4:6]), int(birth[6:8]))
    except ValueError:
        return IdentifierProblem(f"身份证号码中的出生日期“{birth}”不存在")
    if born > (today or timezone.localdate()) or born.year < 1880:
        return IdentifierProblem(f"身份证号码中的出生日期“{birth}”不合理")
    if len(number) == 18:
        total = sum(int(c) * w for c, w in zip(number[:17], ID_WEIGHTS, strict=True))
        expected = ID_CHECK[total % 11]
        if number[17] != expected:
            return IdentifierProblem(
                f"身份证号码校验位错误：第18位应为“{expected}”，实为“{number[17]}”"
            )
    return None


def mask_resident_id(number: str) -> str:
    """5101**********1234 style: the first 4 and last 4 characters."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_person_name(name: str) -> str:
    """张* / 欧阳** style: the family name's first character, the rest starred."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else name
