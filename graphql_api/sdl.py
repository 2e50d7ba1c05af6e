"""The exported SDL of each schema, committed under graphql_api/schema/ and checked by a test."""

from __future__ import annotations

from pathlib import Path

from strawberry.printer import print_schema

SCHEMA_DIR = Path(__file__).parent / "schema"


def schemas() -> dict[str, str]:
    from graphql_api.district.schema import schema as district
    from graphql_api.exchange.schema import schema as exchange
    from graphql_api.operator.schema import schema as operator

    return {
        "district": print_schema(district) + "\n",
        "operator": print_schema(operator) + "\n",
        "exchange": print_schema(exchange) + "\n",
    }


def sdl_path(name: str) -> Path:
    return SCHEMA_DIR / f"{name}.graphql"
