"""A penalty's field (领域) inferred from its text: every law and keyword of the table, the order of
the texts, two fields in one legal basis, and what is left general on purpose."""

from __future__ import annotations

import pytest

from core.publicity.enums import Sector
from core.publicity.sectors import SECTOR_TERMS, infer_sector


@pytest.mark.parametrize(
    ("term", "sector"),
    [(term, t.sector) for t in SECTOR_TERMS for term in (*t.laws, *t.keywords)],
)
def test_every_law_and_keyword_of_the_table_names_its_field(term: str, sector: Sector) -> None:
    assert infer_sector(f"《中华人民共和国{term}》第一条") == sector  # a law cited by title
    assert infer_sector("依据有关规定", term) == sector  # the type of conduct
    assert infer_sector("", "", f"经查，当事人{term}相关违法行为属实。") == sector  # the facts


def test_no_term_names_two_fields() -> None:
    terms = [term for t in SECTOR_TERMS for term in (*t.laws, *t.keywords)]

    assert len(terms) == len(set(terms))


@pytest.mark.parametrize(
    ("basis", "conduct", "facts", "sector"),
    [
        ("《中华人民共和国特种设备安全法》第八十四条第（二）项", "", "", Sector.SPECIAL_EQUIPMENT),
        ("《特种设备安全监察条例》第七十二条", "", "", Sector.SPECIAL_EQUIPMENT),
        ("《中华人民共和国食品安全法》第一百二十四条", "", "", Sector.FOOD),
        ("《中华人民共和国疫苗管理法》第八十条", "", "", Sector.DRUG),
        ("《中华人民共和国安全生产法》第九十七条", "", "", Sector.WORK_SAFETY),
        ("《重庆市安全生产条例》第六十条", "", "", Sector.WORK_SAFETY),
        ("《中华人民共和国消防法》第六十条第一款第（三）项", "", "", Sector.FIRE),
        ("《企业信息公示暂行条例》第十八条", "未按规定公示年度报告", "", Sector.GENERAL),
    ],
)
def test_the_legal_basis_decides(basis: str, conduct: str, facts: str, sector: Sector) -> None:
    assert infer_sector(basis, conduct, facts) == sector


def test_two_fields_in_the_legal_basis_the_law_named_first_wins() -> None:
    food_then_fire = "《中华人民共和国食品安全法》第一百二十四条、《中华人民共和国消防法》第六十条"
    fire_then_food = "《中华人民共和国消防法》第六十条、《中华人民共和国食品安全法》第一百二十四条"

    assert infer_sector(food_then_fire) == Sector.FOOD
    assert infer_sector(fire_then_food) == Sector.FIRE


def test_a_legal_basis_citing_other_laws_keeps_the_penalty_general() -> None:
    # A food shop fined for its price tags is not a food-safety penalty.
    price_tags = ("《明码标价和禁止价格欺诈规定》第二十条", "未明码标价", "销售的食品未标价")

    assert infer_sector(*price_tags) == Sector.GENERAL


def test_without_a_law_named_the_conduct_then_the_facts_decide() -> None:
    assert infer_sector("依据有关规定", "销售超过保质期的食品", "消防通道堆放杂物") == Sector.FOOD
    assert infer_sector("", "其他违法行为", "在消防通道堆放杂物") == Sector.FIRE
    # 《行政处罚法》 says how to punish, not in which field: the other texts are read.
    assert infer_sector("《中华人民共和国行政处罚法》第三十二条", "电梯未按规定维护保养") == (
        Sector.SPECIAL_EQUIPMENT
    )


@pytest.mark.parametrize(
    "basis",
    [
        "《医疗器械监督管理条例》第八十六条",
        "《化妆品监督管理条例》第六十条",
        "《兽药管理条例》第五十六条",
        "《中华人民共和国农产品质量安全法》第七十一条",
        "《危险化学品安全管理条例》第八十条",
    ],
)
def test_neighbouring_fields_are_not_read_into_the_rule(basis: str) -> None:
    assert infer_sector(basis, "违法行为", "经查属实") == Sector.GENERAL
