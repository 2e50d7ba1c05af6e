"""The SQL that keeps `stats_recordcount` exact: statement-level triggers with transition tables on
`records_record`, so a COPY-sized insert costs one grouped upsert, not one per row. The function
lives in public (district schemas hold no functions); it writes the table of the schema the
statement runs in."""

from __future__ import annotations

COUNTS_TABLE = "stats_recordcount"
KEY = "month, department_id, catalog_item_id, kind, severity, violation, withdrawn"


GROUPS = """
        SELECT date_trunc('month', decision_date)::date AS month, department_id, catalog_item_id,
               kind, severity,
               CASE WHEN kind = 'penalty' THEN left(coalesce(fields->>'CF_WFXW', ''), 200) ELSE '' END
                   AS violation,
               withdrawn_at IS NOT NULL AS withdrawn,
               {sign}count(*) AS records, {sign}count(*) FILTER (WHERE timely) AS timely,
               {sign}coalesce(sum(fine_wan), 0) AS fines_wan
        FROM {rows} GROUP BY 1, 2, 3, 4, 5, 6, 7"""

UPSERT = f"""
        INSERT INTO stats_recordcount AS s ({KEY}, records, timely, fines_wan)
        {{source}} ORDER BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT ({KEY}) DO UPDATE SET records = s.records + EXCLUDED.records,
            timely = s.timely + EXCLUDED.timely, fines_wan = s.fines_wan + EXCLUDED.fines_wan;"""

# On Citus (ADR 0022) the trigger runs on the district's worker, on the records' shard, and its
# upsert into `stats_recordcount` is a distributed query of its own: planned apart from the trigger,
# it cannot see the transition table, so the groups are read into a value first and upserted from
# that value; and Citus refuses a distributed query nested in a query on a shard unless the
# function allows it. A district schema's tables are colocated on one worker, so the nested upsert
# runs locally in the same transaction (the incorrectness Citus warns of needs a remote node).
# PostgreSQL without Citus keeps the setting as an unused placeholder. The table is named with the
# schema of the table the trigger fires on (on a worker, the shard's schema is the district's), not
# found on the search path, which on a worker's connection is not the district's.
DELTA_COLUMNS = (
    "month date, department_id bigint, catalog_item_id bigint, kind text, severity text, "
    "violation text, withdrawn boolean, records integer, timely integer, fines_wan numeric"
)


def _delta(rows: str, sign: str) -> str:
    groups = GROUPS.format(rows=rows, sign=sign)
    source = f"SELECT * FROM jsonb_to_recordset($1) AS d({DELTA_COLUMNS})"
    upsert = UPSERT.replace("INTO stats_recordcount", "INTO %I.stats_recordcount")
    return f"""
        SELECT jsonb_agg(g) INTO delta FROM ({groups}) g;
        EXECUTE format($sql${upsert.format(source=source).rstrip(";")}$sql$, TG_TABLE_SCHEMA)
            USING delta;"""


FUNCTION = f"""
CREATE OR REPLACE FUNCTION public.stats_records_changed() RETURNS trigger LANGUAGE plpgsql
SET citus.allow_nested_distributed_execution = on AS $$
DECLARE
    delta jsonb;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN {_delta("old_rows", "-")}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN {_delta("new_rows", "")}
    END IF;
    RETURN NULL;
END;
$$;
"""

TRIGGERS = [
    """CREATE TRIGGER records_stats_insert AFTER INSERT ON records_record
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.stats_records_changed();""",
    """CREATE TRIGGER records_stats_update AFTER UPDATE ON records_record
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION public.stats_records_changed();""",
    """CREATE TRIGGER records_stats_delete AFTER DELETE ON records_record
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.stats_records_changed();""",
]

# Counts for records that exist before the triggers (a district migrated with data).
BACKFILL = UPSERT.format(source=GROUPS.format(rows="records_record", sign=""))

# One statement each (RunSQL's lists): Citus sends a function's definition to every node as
# written, and a node refuses several statements in one.
FORWARD = [FUNCTION, *TRIGGERS, BACKFILL]
BACKWARD = [
    "DROP TRIGGER IF EXISTS records_stats_insert ON records_record;",
    "DROP TRIGGER IF EXISTS records_stats_update ON records_record;",
    "DROP TRIGGER IF EXISTS records_stats_delete ON records_record;",
    "DELETE FROM stats_recordcount;",
]
