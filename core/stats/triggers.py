"""The SQL that keeps `stats_recordcount` exact: statement-level triggers with transition tables on
`records_record`, so a COPY-sized insert costs one grouped upsert, not one per row. The function
lives in public (district schemas hold no functions); it writes the table of the schema the
statement runs in."""

from __future__ import annotations

KEY = "month, department_id, catalog_item_id, kind, severity, violation, withdrawn"


def _delta(rows: str, sign: str) -> str:
    return f"""
        INSERT INTO stats_recordcount AS s ({KEY}, records, timely, fines_wan)
        SELECT date_trunc('month', decision_date)::date, department_id, catalog_item_id, kind,
               severity,
               CASE WHEN kind = 'penalty' THEN left(coalesce(fields->>'CF_WFXW', ''), 200) ELSE '' END,
               withdrawn_at IS NOT NULL,
               {sign}count(*), {sign}count(*) FILTER (WHERE timely), {sign}coalesce(sum(fine_wan), 0)
        FROM {rows} GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT ({KEY}) DO UPDATE SET records = s.records + EXCLUDED.records,
            timely = s.timely + EXCLUDED.timely, fines_wan = s.fines_wan + EXCLUDED.fines_wan;"""


FUNCTION = f"""
CREATE OR REPLACE FUNCTION public.stats_records_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN {_delta("old_rows", "-")}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN {_delta("new_rows", "")}
    END IF;
    RETURN NULL;
END;
$$;
"""

TRIGGERS = """
CREATE TRIGGER records_stats_insert AFTER INSERT ON records_record
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.stats_records_changed();
CREATE TRIGGER records_stats_update AFTER UPDATE ON records_record
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION public.stats_records_changed();
CREATE TRIGGER records_stats_delete AFTER DELETE ON records_record
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.stats_records_changed();
"""

# Counts for records that exist before the triggers (a district migrated with data).
BACKFILL = _delta("records_record", "")

FORWARD = FUNCTION + TRIGGERS + BACKFILL
BACKWARD = """
DROP TRIGGER IF EXISTS records_stats_insert ON records_record;
DROP TRIGGER IF EXISTS records_stats_update ON records_record;
DROP TRIGGER IF EXISTS records_stats_delete ON records_record;
DELETE FROM stats_recordcount;
"""
