"""What the platform needs of a Citus cluster (docs/scaling.md, ADR 0022)."""

from __future__ import annotations

# Database-level settings on the coordinator (`ALTER DATABASE … SET`): every new schema, a district's
# among them, becomes a distributed schema placed on one worker; the triggers a district's tables
# carry (append-only logs, statistics) are created on its worker with the tables.
DATABASE_SETTINGS = {
    "citus.enable_schema_based_sharding": "on",
    "citus.enable_unsafe_triggers": "on",
}
