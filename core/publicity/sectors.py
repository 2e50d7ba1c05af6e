"""Which field (领域) a penalty belongs to, inferred from its text: the 2023 rules (国家发展改革委令
第58号) set a one-year minimum for penalties in food, drugs, special equipment, work safety and fire
(DOMAIN.md §5). The table below is the one place that says which words mean which field.

How a penalty's field is inferred (`infer_sector`):

1. From its legal basis (处罚依据, CF_YJ). The first term of the table found in the text decides: when
   a basis names two fields' laws ("《食品安全法》第一百二十四条、《消防法》第六十条"), the field of the
   law named first wins. A basis that cites laws or regulations by title (《…》) none of which is in
   the table is a general penalty, and the other texts are not read: a food shop fined under
   《价格法》 for its price tags is not a food-safety penalty. The procedural laws every penalty may
   cite (《行政处罚法》, 《行政强制法》) do not count as such a title.
2. Otherwise (the basis names no title: "依据有关规定"), from the type of conduct (违法行为类型, CF_WFXW),
   then from the facts (违法事实, CF_SY), the first term found in each deciding.
3. Otherwise a general penalty.

What the table leaves out, deliberately (a longer minimum burdens the subject, so the fields are
read narrowly, as the rule names them; a clerk may still set the field of one record):
- medical devices and cosmetics (《医疗器械监督管理条例》, 《化妆品监督管理条例》): regulated by the
  same administration as drugs, but not drugs under 《药品管理法》; veterinary drugs (《兽药管理条例》)
  likewise. Vaccines are drugs (《疫苗管理法》), and so are 中药饮片.
- agricultural products (《农产品质量安全法》) and catering named only as such (餐饮): only what says
  食品 is food.
- hazardous chemicals and fireworks (《危险化学品安全管理条例》, 《烟花爆竹安全管理条例》): also enforced
  by the police, transport and environment authorities for other ends; only what says 安全生产 or
  names the work-safety laws is work safety.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from core.publicity.enums import Sector


@dataclass(frozen=True)
class SectorTerms:
    sector: Sector
    laws: tuple[str, ...]  # titles as cited (without 《》 and 中华人民共和国)
    keywords: tuple[str, ...]  # words that name the field in any of the texts


SECTOR_TERMS = (
    SectorTerms(
        Sector.FOOD,
        laws=("食品安全法", "食品安全法实施条例"),
        # 食品 also covers 食品安全, 食品生产经营, 食品添加剂, 保健食品, 特殊医学用途配方食品.
        keywords=("食品",),
    ),
    SectorTerms(
        Sector.DRUG,
        laws=("药品管理法", "药品管理法实施条例", "疫苗管理法", "麻醉药品和精神药品管理条例"),
        keywords=("药品", "疫苗", "中药饮片"),
    ),
    SectorTerms(
        Sector.SPECIAL_EQUIPMENT,
        laws=("特种设备安全法", "特种设备安全监察条例"),
        # The kinds of special equipment the law lists (特种设备安全法 Art. 2).
        keywords=(
            "特种设备",
            "锅炉",
            "压力容器",
            "气瓶",
            "压力管道",
            "电梯",
            "起重机械",
            "客运索道",
            "大型游乐设施",
            "场（厂）内专用机动车辆",
            "场(厂)内专用机动车辆",
        ),
    ),  # fmt: skip
    SectorTerms(
        Sector.WORK_SAFETY,
        laws=("安全生产法", "安全生产许可证条例", "生产安全事故报告和调查处理条例", "矿山安全法"),
        keywords=("安全生产", "生产安全事故"),
    ),
    SectorTerms(Sector.FIRE, laws=("消防法",), keywords=("消防",)),
)
# Procedural laws a basis may cite beside the substantive one: they say nothing about the field.
PROCEDURAL_LAWS = ("行政处罚法", "行政强制法")

_SECTOR_OF = {
    term: terms.sector for terms in SECTOR_TERMS for term in (*terms.laws, *terms.keywords)
}
# Longest first: at one position the longer term is the one meant.
_TERMS = re.compile("|".join(map(re.escape, sorted(_SECTOR_OF, key=len, reverse=True))))
_TITLE = re.compile(r"《([^《》]+)》")


def _first_named(text: str) -> Sector | None:
    """The field of the first term of the table in `text`, if any."""
    found = _TERMS.search(text)
    return None if found is None else _SECTOR_OF[found.group()]


@lru_cache(maxsize=4096)
def _by_basis(basis: str) -> Sector | None:
    """The field a legal basis decides (None: it decides nothing, read the other texts)."""
    found = _first_named(basis)
    if found is None and any(
        not title.endswith(PROCEDURAL_LAWS) for title in _TITLE.findall(basis)
    ):
        return Sector.GENERAL
    return found


# A file repeats its few legal bases and types of conduct row after row; the facts differ.
_by_conduct = lru_cache(maxsize=4096)(_first_named)


def infer_sector(basis: str, conduct: str = "", facts: str = "") -> Sector:
    """A penalty's field from its legal basis (处罚依据), type of conduct (违法行为类型) and facts
    (违法事实), by the rules in this module's docstring."""
    decided = _by_basis(basis)
    if decided is None:
        decided = _by_conduct(conduct) or _first_named(facts)
    return decided or Sector.GENERAL
