"""Everything institutions and department systems read about the district schema is described in
Chinese (issue 24): every type, field, argument and enum value, as introspection reports it."""

from __future__ import annotations

import re

from graphql import build_client_schema, get_introspection_query, graphql_sync

from graphql_api.descriptions_zh import DESCRIPTIONS, coordinates
from graphql_api.district.schema import schema

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_every_element_of_the_district_schema_is_described_in_chinese() -> None:
    # Read through introspection, as GraphiQL and the reference pages do.
    result = graphql_sync(schema._schema, get_introspection_query(descriptions=True))
    assert result.errors is None
    assert result.data is not None
    introspected = build_client_schema(result.data)  # type: ignore[arg-type]
    missing = [
        coordinate
        for coordinate, element in coordinates(introspected).items()
        if not CHINESE.search(getattr(element, "description", None) or "")
    ]
    assert not missing, f"no Chinese description: {missing}"


def test_every_chinese_description_names_something_in_the_schema() -> None:
    stale = sorted(set(DESCRIPTIONS) - set(coordinates(schema._schema)))
    assert not stale, f"descriptions of nothing (renamed or removed?): {stale}"
