"""The measures as data: the national basic list of joint punishment measures (the edition the
portal shows, core/records/data_measures.json), the national incentives for the red list
(data/incentives.json), and the measures a new matter starts with by category
(data/matter_defaults.json). `measures_seed` loads them into a district (its migration)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from core.discipline.enums import Finding, MeasureKind, MeasureSource
from core.records.measures import measures_list

DATA = Path(__file__).with_name("data")
# The national list names record kinds; a check names findings.
KIND_FINDINGS = {
    "black_list": [Finding.SERIOUS_DISHONESTY, Finding.MAJOR_TAX],
    "court_enforcement": [Finding.COURT_ENFORCEMENT],
    "abnormal": [Finding.ABNORMAL],
}
NEGATIVE = [f for f in Finding if f != Finding.RED_LIST]


@cache
def _json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return data


def national_measures() -> list[dict[str, Any]]:
    """The national punishment list with stable codes (CJ-01 … in the list's order)."""
    listed = measures_list()
    rows = []
    for group in listed["groups"]:
        for measure in group["measures"]:
            findings = [f.value for k in measure["applies_to"] for f in KIND_FINDINGS.get(k, [])]
            rows.append({"name": measure["name"], "basis": measure["basis"],
                         "group": group["title"], "findings": findings,
                         "edition": listed["edition"]})  # fmt: skip
    return [{"code": f"CJ-{i:02d}", **row} for i, row in enumerate(rows, start=1)]


def incentive_measures() -> list[dict[str, Any]]:
    data = _json("incentives.json")
    return [{**m, "edition": data["edition"], "group": "守信联合激励措施",
             "findings": [Finding.RED_LIST.value]} for m in data["measures"]]  # fmt: skip


def measures_seed(measure_model: Any) -> None:
    """Create or refresh the national measures (local ones are left alone)."""
    for kind, rows in ((MeasureKind.PUNISHMENT, national_measures()),
                       (MeasureKind.INCENTIVE, incentive_measures())):  # fmt: skip
        for row in rows:
            measure_model.objects.update_or_create(
                code=row["code"],
                defaults={"name": row["name"], "kind": kind.value,
                          "source": MeasureSource.NATIONAL.value, "edition": row["edition"],
                          "group": row["group"], "legal_basis": row["basis"],
                          "findings": row["findings"], "active": True},
            )  # fmt: skip


def default_rules(category: str) -> list[tuple[str, str]]:
    """(finding, measure code) pairs a new matter of `category` starts with."""
    defaults = _json("matter_defaults.json")[category]
    by_name = {m["name"]: m for m in national_measures()}
    pairs = []
    for name in defaults["punishment"]:
        measure = by_name[name]
        pairs += [(finding, measure["code"]) for finding in measure["findings"]]
    for name in defaults["penalties"]:
        pairs += [(f.value, by_name[name]["code"])
                  for f in (Finding.SERIOUS_PENALTY, Finding.COMMITMENT_BROKEN)]  # fmt: skip
    pairs += [(Finding.RED_LIST.value, code) for code in defaults["incentive"]]
    return list(dict.fromkeys(pairs))
