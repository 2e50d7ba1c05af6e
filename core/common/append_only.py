"""SQL that makes a table append-only: a trigger refusing UPDATE and DELETE. The trigger function
lives in public, so district schemas hold no functions (which the schema copy would not replay)."""

from __future__ import annotations

FUNCTION = """
CREATE OR REPLACE FUNCTION public.audit_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only (% refused on %)', TG_OP, TG_TABLE_NAME;
END;
$$;
"""


def append_only_sql(table: str) -> tuple[list[str], list[str]]:
    """(forward, backward) statements for a RunSQL operation, one statement each: Citus sends a
    function's definition to every node as written, and a node refuses several in one."""
    forward = [
        FUNCTION,
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION public.audit_forbid_change();",
    ]
    return forward, [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};"]
