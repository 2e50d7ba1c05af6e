from __future__ import annotations

from datetime import date

import pytest

from core.common.identifiers import (
    mask_person_name,
    mask_resident_id,
    normalise,
    org_code_check_character,
    resident_id_problem,
    uscc_check_character,
    uscc_problem,
)

VALID_USCC = [
    "91350100M000100Y43",  # the standard's own example
    "91320100748204660Q",
    "91310000132215150M",
    "91360000625912173B",
    "11320100MB1886843H",
    "91230500MA1B3N1N2M",
    "911100000000184548",
]


@pytest.mark.parametrize("code", VALID_USCC)
def test_real_codes_are_valid(code: str) -> None:
    assert uscc_problem(code) is None
    assert uscc_check_character(code[:17]) == code[17]


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91110000100001825N", "统一社会信用代码校验位错误：第18位应为“0”，实为“N”"),
        ("9135010", "统一社会信用代码应为18位，实际为7位"),
        ("91350100M000100I43", "统一社会信用代码含非法字符“I”（不使用I、O、Z、S、V）"),
    ],
)
def test_invalid_codes_say_why(code: str, message: str) -> None:
    problem = uscc_problem(code)

    assert problem is not None
    assert problem.message == message


def test_the_embedded_organisation_code_is_checked() -> None:
    body = "91350100" + "M00010000"  # organisation code with a wrong check digit (9th char)
    code = body + uscc_check_character(body)

    problem = uscc_problem(code)

    assert problem is not None
    assert problem.message.startswith("统一社会信用代码第9–17位（组织机构代码）校验位错误")
    assert org_code_check_character("M0001000") == "6"
    assert org_code_check_character("M000100Y") == "4"  # the standard example's positions 9–17


def test_full_width_and_spaces_are_normalised() -> None:
    assert normalise(" ９１３５０１００ｍ０００１００ｙ４３ ") == "91350100M000100Y43"


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014", "110105491231002"])
def test_valid_resident_ids(number: str) -> None:
    assert resident_id_problem(number, today=date(2026, 11, 27)) is None


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("110105194912310021", "身份证号码校验位错误：第18位应为“X”，实为“1”"),
        ("11010519491331002X", "身份证号码中的出生日期“19491331”不存在"),
        ("1101051949123100", "身份证号码应为18位（末位可为X）或15位数字"),
    ],
)
def test_invalid_resident_ids_say_why(number: str, message: str) -> None:
    problem = resident_id_problem(number, today=date(2026, 11, 27))

    assert problem is not None
    assert problem.message == message


def test_masking() -> None:
    assert mask_resident_id("510104199001011234") == "5101**********1234"
    assert mask_person_name("张三") == "张*"
    assert mask_person_name("欧阳明月") == "欧***"
