"""Districts on a Citus cluster (ADR 0022, docs/scaling.md): which worker holds each district, and
moving a district to another worker while it keeps serving.

On Citus with schema-based sharding every district schema is a distributed schema: its tables are
colocated on one worker and move together. The public schema stays on the coordinator. Without
Citus (one PostgreSQL server) there is nothing to place or move, and the functions here say so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import connection

from core.common.actors import Actor
from core.common.errors import ValidationFailed
from core.common.tenancy import use_public_schema
from tenants.audit import platform_audit_record
from tenants.models import District

# How the shards travel: "auto" copies them and then follows the changes by logical replication,
# so reads and writes go on during the copy and only the final switch blocks writes briefly (it
# needs wal_level = logical and a primary key on every table, which Django gives every table);
# "block_writes" copies with writes blocked for the whole move (reads still go on).
TRANSFER_MODES = ("auto", "block_writes")


@dataclass(frozen=True)
class WorkerNode:
    node_id: int
    host: str
    port: int
    schemas: tuple[str, ...]  # the distributed schemas placed on it, districts and spares alike
    bytes: int

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class MoveResult:
    district: District
    source: str
    target: str
    seconds: float


def citus_active() -> bool:
    """True when this database runs Citus with at least one worker."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'citus'")
        if cursor.fetchone() is None:
            return False
        cursor.execute(
            "SELECT count(*) FROM pg_dist_node WHERE noderole = 'primary' AND isactive "
            "AND shouldhaveshards AND groupid <> 0"
        )
        (workers,) = cursor.fetchone()
    return bool(workers)


def cluster_workers() -> list[WorkerNode]:
    """The active workers with the distributed schemas each holds and their size."""
    use_public_schema()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT n.nodeid, n.nodename, n.nodeport,
                   coalesce(array_agg(DISTINCT s.schema_name::text ORDER BY s.schema_name::text)
                            FILTER (WHERE s.schema_name IS NOT NULL), '{}'),
                   coalesce(sum(sh.shard_size), 0)
            FROM pg_dist_node n
            LEFT JOIN citus_shards sh ON sh.nodename = n.nodename AND sh.nodeport = n.nodeport
                AND sh.citus_table_type = 'schema'
            LEFT JOIN citus_schemas s ON s.colocation_id = sh.colocation_id
            WHERE n.noderole = 'primary' AND n.isactive AND n.shouldhaveshards AND n.groupid <> 0
            GROUP BY n.nodeid, n.nodename, n.nodeport ORDER BY n.nodeid
            """
        )
        rows = cursor.fetchall()
    return [
        WorkerNode(node_id=int(i), host=str(h), port=int(p), schemas=tuple(s), bytes=int(b))
        for i, h, p, s, b in rows
    ]


def district_worker(district: District) -> WorkerNode | None:
    """The worker holding `district`'s schema, or None when it is not a distributed schema."""
    for worker in cluster_workers():
        if district.schema_name in worker.schemas:
            return worker
    return None


def district_move(
    *, district: District, target: str, actor: Actor, transfer_mode: str = "auto"
) -> MoveResult:
    """Move `district`'s schema to the worker at `target` ("host:port"). Reads go on throughout
    (the tests read in a loop while a district moves); see TRANSFER_MODES for writes."""
    if transfer_mode not in TRANSFER_MODES:
        raise ValidationFailed("迁移方式只能是 auto 或 block_writes", field="transfer_mode")
    if not citus_active():
        raise ValidationFailed("本部署的数据库不是 Citus 集群，区县无需迁移", field="target")
    host, _, port = target.rpartition(":")
    workers = {worker.address: worker for worker in cluster_workers()}
    destination = workers.get(f"{host}:{port}") if port.isdigit() else None
    if destination is None:
        listed = "、".join(workers) or "无"
        raise ValidationFailed(
            f"找不到工作节点“{target}”（现有工作节点：{listed}）", field="target"
        )
    source = district_worker(district)
    if source is None:
        raise ValidationFailed(
            f"{district.name}的数据不在任何工作节点上，不能迁移", field="district"
        )
    if source.node_id == destination.node_id:
        raise ValidationFailed(
            f"{district.name}已在工作节点 {destination.address} 上", field="target"
        )
    started = time.perf_counter()
    use_public_schema()
    with connection.cursor() as cursor:
        # Not in a transaction: the move commits its own steps (copy, catch up, switch).
        cursor.execute(
            "SELECT citus_schema_move(%s::regnamespace, %s, %s, %s::citus.shard_transfer_mode)",
            [district.schema_name, destination.host, destination.port, transfer_mode],
        )
    seconds = time.perf_counter() - started
    platform_audit_record(
        actor=actor,
        action="district.move",
        district_schema=district.schema_name,
        details={
            "source_node": source.address,
            "target_node": destination.address,
            "seconds": round(seconds, 3),
        },
    )
    return MoveResult(
        district=district, source=source.address, target=destination.address, seconds=seconds
    )


@dataclass(frozen=True)
class RebalanceResult:
    moved: int  # distributed schemas (districts, the template, spares) moved to another worker
    seconds: float


def cluster_rebalance(*, actor: Actor) -> RebalanceResult:
    """Spread the distributed schemas over the workers (after a worker was added, or to even out
    grown districts): Citus' background rebalancer moves whole schemas the way `district_move`
    does, reads going on. Waits until it is done."""
    if not citus_active():
        raise ValidationFailed("本部署的数据库不是 Citus 集群，无需重新均衡", field="cluster")
    before = {s: w.address for w in cluster_workers() for s in w.schemas}
    started = time.perf_counter()
    use_public_schema()
    with connection.cursor() as cursor:
        # The default strategy, by disk size: each shard counts its size plus a base cost
        # (citus.rebalancer_by_disk_size_base_cost, 100 MB), so small districts count by number.
        cursor.execute("SELECT citus_rebalance_start()")
        cursor.execute("SELECT citus_rebalance_wait()")
    seconds = time.perf_counter() - started
    after = {s: w.address for w in cluster_workers() for s in w.schemas}
    moved = sum(1 for schema, node in after.items() if before.get(schema) not in (None, node))
    platform_audit_record(
        actor=actor,
        action="cluster.rebalance",
        details={"moved": moved, "seconds": round(seconds, 3)},
    )
    return RebalanceResult(moved=moved, seconds=seconds)
