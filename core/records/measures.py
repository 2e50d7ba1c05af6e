"""The national list of joint punishment measures (失信惩戒措施基础清单) as data, and which of them
apply to a kind of record: the portal's 联合惩戒 page shows the measures and the cases."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("data_measures.json")


@cache
def measures_list() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return data


def measures_for(kind: str) -> list[str]:
    return [
        m["name"]
        for g in measures_list()["groups"]
        for m in g["measures"]
        if kind in m["applies_to"]
    ]
