from __future__ import annotations

import pytest

from graphql_api.sdl import schemas, sdl_path


@pytest.mark.parametrize("name", ["district", "operator", "exchange"])
def test_committed_sdl_matches_the_schema(name: str) -> None:
    committed = sdl_path(name).read_text(encoding="utf-8")

    assert schemas()[name] == committed, (
        f"graphql_api/schema/{name}.graphql is stale: run `python3 dev.py manage graphql_schema`"
    )
