"""The scorecard every district starts with (version 1). Every number here is configuration: a
district admin changes it in the console and publishes a new version.

Reasoning (docs/subsystems/scoring.md has the long form):
- Scale 0–1000 and four grades, as several provinces publish: A 诚信优良 ≥ 850, B 基本诚信 ≥ 700,
  C 失信观察 ≥ 550, D 严重失信 below. The five dimensions follow Guangzhou's 2023 model (DOMAIN.md §7).
- A subject with no records at all scores 800 (B): full marks where records can only take points
  away (遵纪守法, 监管风险), most of the marks where good conduct is expected but unproven (履约践诺
  80 %, 社会责任 70 %), half the licence marks and nothing for honours, which must be earned.
  Reaching A takes positive records (an honour, licences, good evaluations); that is the point of A.
- One ordinary penalty costs 40 (800 → 760, still B); one serious penalty (吊销许可证件, 责令关闭 …)
  costs 150 (→ 650, C 失信观察); a fine of 10万元 or more costs a further 20. Penalties count in full
  for a year after the decision and fade with age (0.7, 0.4, then 0.2 after three years) — while they
  are still publicly listed; once repaired, withdrawn or expired they stop counting at all.
- Lists count while the listing is public, without fading: 经营异常名录 −80; 失信被执行人 −120 and
  at most C; 严重失信主体名单 −120 and at most D (veto), whatever the points say.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class IndicatorDef:
    code: str
    name: str
    weight: str
    start: str = "1"
    parent: str | None = None
    description: str = ""


@dataclass(frozen=True)
class RuleSpec:
    """A rule: which records (every condition set must hold) and what they are worth. `code` is
    given for the default's rules and assigned (R14, R15 …) for rules an admin adds."""

    indicator_code: str
    name: str
    points: str
    record_kind: str = ""
    catalog_item_code: str = ""
    severity: str = ""
    penalty_category: str = ""
    min_fine_wan: str = ""
    cap: str = ""
    use_recency: bool = False
    veto_grade: str = ""
    code: str = ""


NAME = "默认公共信用综合评价模型"
RECENCY = [[12, "1.0"], [24, "0.7"], [36, "0.4"]]
OLDER_FACTOR = Decimal("0.2")

INDICATORS = [
    IndicatorDef("D1", "遵纪守法", "0.30"),
    IndicatorDef("D1.1", "行政处罚", "0.60", parent="D1", description="行政处罚记录按严重程度、罚款金额和时效扣分"),
    IndicatorDef("D1.2", "司法执行", "0.40", parent="D1", description="失信被执行人"),
    IndicatorDef("D2", "履约践诺", "0.25"),
    IndicatorDef("D2.1", "信用承诺履行", "0.50", start="0.8", parent="D2"),
    IndicatorDef("D2.2", "合同履约", "0.50", start="0.8", parent="D2"),
    IndicatorDef("D3", "资质荣誉", "0.15"),
    IndicatorDef("D3.1", "行政许可资质", "0.40", start="0.5", parent="D3"),
    IndicatorDef("D3.2", "荣誉与守信激励", "0.60", start="0", parent="D3"),
    IndicatorDef("D4", "社会责任", "0.10"),
    IndicatorDef("D4.1", "信用评价结果", "1", start="0.7", parent="D4"),
    IndicatorDef("D5", "监管风险", "0.20"),
    IndicatorDef("D5.1", "经营异常", "0.40", parent="D5"),
    IndicatorDef("D5.2", "严重失信", "0.60", parent="D5"),
]  # fmt: skip

RULES = [
    RuleSpec("D1.1", "轻微行政处罚", "-10", record_kind="penalty", severity="minor", use_recency=True, code="R01"),
    RuleSpec("D1.1", "一般行政处罚", "-40", record_kind="penalty", severity="ordinary", use_recency=True, code="R02"),
    RuleSpec("D1.1", "严重行政处罚", "-150", record_kind="penalty", severity="serious", use_recency=True, code="R03"),
    RuleSpec("D1.1", "大额罚款（10万元及以上）", "-20", record_kind="penalty", penalty_category="罚款", min_fine_wan="10", use_recency=True, code="R04"),
    RuleSpec("D1.2", "失信被执行人", "-120", record_kind="court_enforcement", veto_grade="C", code="R05"),
    RuleSpec("D2.1", "作出信用承诺", "5", record_kind="commitment", cap="25", code="R06"),
    RuleSpec("D2.1", "信用承诺履行良好", "10", record_kind="commitment_fulfilment", cap="25", code="R07"),
    RuleSpec("D2.2", "合同履约记录", "10", record_kind="contract", cap="25", use_recency=True, code="R08"),
    RuleSpec("D3.1", "有效行政许可", "5", record_kind="license", cap="30", code="R09"),
    RuleSpec("D3.2", "守信激励与诚信荣誉", "30", record_kind="red_list", cap="90", code="R10"),
    RuleSpec("D4.1", "信用评价结果", "10", record_kind="evaluation", cap="30", use_recency=True, code="R11"),
    RuleSpec("D5.1", "列入经营异常名录", "-80", record_kind="abnormal", code="R12"),
    RuleSpec("D5.2", "列入严重失信主体名单", "-120", record_kind="black_list", veto_grade="D", code="R13"),
]  # fmt: skip
