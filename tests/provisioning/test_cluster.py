"""Districts on a Citus cluster (ADR 0022): each district a distributed schema on a worker, the
template and spares never counted as districts, and a district moved to another worker while it is
read in a loop. On one PostgreSQL server the commands say there is nothing to place or move."""

from __future__ import annotations

import threading
import time
from io import StringIO
from pathlib import Path
from typing import Any

import psycopg2  # type: ignore[import-untyped]
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from core.common.actors import Actor
from core.common.errors import ValidationFailed
from provisioning.services.cluster import (
    citus_active,
    cluster_workers,
    district_move,
    district_worker,
)
from tenants.models import District
from tests.conftest import ON_CLUSTER
from tests.support import citus

on_cluster = pytest.mark.skipif(not ON_CLUSTER, reason="只在 Citus 集群测试模式下运行")
single_server = pytest.mark.skipif(ON_CLUSTER, reason="只在单台 PostgreSQL 上运行")


@single_server
@pytest.mark.django_db
def test_on_one_server_there_are_no_workers_and_a_move_is_refused(wanzhou: District) -> None:
    assert not citus_active()
    out = StringIO()
    call_command("district", "nodes", stdout=out)
    assert (
        out.getvalue()
        == "本部署的数据库是单台 PostgreSQL，不是 Citus 集群：所有区县在同一台服务器上\n"
    )
    with pytest.raises(ValidationFailed) as refused:
        district_move(district=wanzhou, target="127.0.0.1:5432", actor=Actor.system("tests"))
    assert refused.value.message == "本部署的数据库不是 Citus 集群，区县无需迁移"


@on_cluster
@pytest.mark.django_db
def test_every_district_is_a_distributed_schema_on_a_worker(
    wanzhou: District, kaizhou: District
) -> None:
    assert citus_active()
    workers = cluster_workers()
    assert len(workers) == 2
    for district in (wanzhou, kaizhou):
        worker = district_worker(district)
        assert worker is not None
        assert worker in workers
    with connection.cursor() as cursor:
        cursor.execute("SELECT schema_name::text FROM citus_schemas ORDER BY 1")
        distributed = {row[0] for row in cursor.fetchall()}
        # The public schema stays on the coordinator, as plain local tables.
        cursor.execute(
            "SELECT count(*) FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
        )
        assert cursor.fetchone() == (0,)
    assert {"wanzhou", "kaizhou", "district_template"} <= distributed
    out = StringIO()
    call_command("district", "nodes", stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    # The template and the spare schemas are placed too, but never counted as districts.
    counted = sum(int(line.split("区县 ")[1].split(" 个")[0]) for line in lines)
    assert counted == District.objects.filter(schema_name__in=["wanzhou", "kaizhou"]).count()
    assert all("模板与备用模式" in line for line in lines)


def _reader(dsn: str, stop: threading.Event, failures: list[str], reads: list[int]) -> None:
    """Read 万州's records and subjects, and its portal home page, until told to stop."""
    raw = psycopg2.connect(dsn)
    raw.autocommit = True
    client = Client(HTTP_HOST="wanzhou.localhost")
    try:
        while not stop.is_set():
            try:
                with raw.cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM wanzhou.records_record")
                    cursor.execute("SELECT count(*), min(name) FROM wanzhou.subjects_subject")
                    cursor.fetchone()
                page = client.get("/")
                if page.status_code != 200:
                    failures.append(f"portal answered {page.status_code}")
                reads.append(1)
            except Exception as exc:  # noqa: BLE001  (every failed read is the finding)
                failures.append(repr(exc))
    finally:
        raw.close()
        connection.close()


@on_cluster
def test_a_district_moves_to_the_other_worker_while_it_is_read(django_db_blocker: Any) -> None:
    with django_db_blocker.unblock():
        district = District.objects.get(schema_name="wanzhou")
        source = district_worker(district)
        assert source is not None
        target = next(w for w in cluster_workers() if w.node_id != source.node_id)
        settings = connection.settings_dict
        dsn = (
            f"host={settings['HOST']} port={settings['PORT']} dbname={settings['NAME']} "
            f"user={settings['USER']}"
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM wanzhou.records_record")
            before = cursor.fetchone()
        stop = threading.Event()
        failures: list[str] = []
        reads: list[int] = []
        reader = threading.Thread(target=_reader, args=(dsn, stop, failures, reads))
        reader.start()
        try:
            time.sleep(0.5)
            started = len(reads)
            moved = district_move(district=district, target=target.address, actor=Actor.cli())
            during = len(reads) - started
            time.sleep(0.5)
        finally:
            stop.set()
            reader.join(30)
        assert failures == []
        assert during > 0, "the reader read nothing while the district moved"
        assert (moved.source, moved.target) == (source.address, target.address)
        after = district_worker(district)
        assert after is not None
        assert after.node_id == target.node_id
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM wanzhou.records_record")
            assert cursor.fetchone() == before

        # Back again with the operator's command, writes blocked this time.
        out = StringIO()
        call_command(
            "district", "move", "wanzhou", "--to", source.address, "--block-writes", stdout=out
        )
        assert out.getvalue().startswith(
            f"万州区（wanzhou）已从工作节点 {target.address} 迁移到 {source.address}，用时 "
        )
        back = district_worker(district)
        assert back is not None
        assert back.node_id == source.node_id
        with pytest.raises(CommandError) as refused:
            call_command("district", "move", "wanzhou", "--to", source.address)
        assert str(refused.value) == f"万州区已在工作节点 {source.address} 上"


@on_cluster
def test_a_worker_added_takes_districts_when_the_cluster_is_rebalanced(
    django_db_blocker: Any,
) -> None:
    """The operator's steps in docs/scaling.md: a new node with Citus and the database, added on the
    coordinator, then `district rebalance`; and a node drained and removed again."""
    node = citus.worker_start(parent=Path.cwd() / ".data")
    try:
        with django_db_blocker.unblock():
            with connection.cursor() as cursor:
                cursor.execute("SELECT citus_add_node('127.0.0.1', %s)", [node.port])
            added = f"127.0.0.1:{node.port}"
            assert [w.schemas for w in cluster_workers() if w.address == added] == [()]
            out = StringIO()
            call_command("district", "rebalance", stdout=out)
            lines = out.getvalue().splitlines()
            assert lines[0].startswith("重新均衡完成：迁移了 ")
            moved = int(lines[0].split("迁移了 ")[1].split(" 个")[0])
            held = next(w for w in cluster_workers() if w.address == added).schemas
            assert moved >= 1
            assert len(held) >= 1
            assert len(lines) == 4  # the three workers, as `district nodes` lists them
            # Every district still answers, wherever it now lives.
            for host in ("wanzhou.localhost", "kaizhou.localhost"):
                assert Client(HTTP_HOST=host).get("/").status_code == 200
            # Drained (its schemas moved back to the others) and removed.
            with connection.cursor() as cursor:
                cursor.execute("SELECT citus_drain_node('127.0.0.1', %s)", [node.port])
                cursor.execute("SELECT citus_remove_node('127.0.0.1', %s)", [node.port])
            assert len(cluster_workers()) == 2
    finally:
        citus.worker_stop(node)
