"""A private three-node Citus cluster for the tests: a coordinator and two workers, PostgreSQL 15
with the Citus extension (docs/scaling.md, ADR 0022), each in a folder under the run's own
directory, on free loopback ports. `python -m tests.support.citus -- <command>` starts one, runs
the command with DATABASE_URL pointing at the coordinator, and stops it again.

Citus comes from `vendor/citus/build.sh` (the machine's PostgreSQL 15 with `citus.so`); where it is
missing, `available()` says why and the run says so plainly."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from tests.support.servers import free_port

MAJOR = 15
BINDIR = Path(f"/usr/lib/postgresql/{MAJOR}/bin")
PKGLIBDIR = Path(f"/usr/lib/postgresql/{MAJOR}/lib")
DATABASE = "test_credit"
# What runs on the cluster: the district suites. Onboarding and the lifecycle, collection, records,
# subjects and their statistics, scoring, reports, the portal, billing, the exchange, and the
# public API's compiled hot query. The rest runs on one server only (settings, brokers, security
# headers, deployment files, the browser journeys); the cluster stage runs beside it.
DISTRICT_SUITES = [
    "tests/provisioning",
    "tests/core/collection",
    "tests/core/records",
    "tests/core/subjects",
    "tests/core/stats",
    "tests/core/scoring",
    "tests/core/reports",
    "tests/portal",
    "tests/billing",
    "tests/exchange",
    "tests/graphql_api/test_compiled_subject.py",
]
# Tests want speed, not durability; logical WAL lets a district move while it is written to.
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "shared_preload_libraries": "'citus'",
    "max_connections": "300",
    "max_prepared_transactions": "300",
    "wal_level": "logical",
    "max_wal_senders": "20",
    "max_replication_slots": "20",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "jit": "off",
    "shared_buffers": "128MB",
    "timezone": "'UTC'",
    "log_min_messages": "warning",
    "citus.log_remote_commands": "off",
    # A worker's connections back to the coordinator and to the other worker stay few.
    "citus.max_shared_pool_size": "100",
}


BUILD = Path(__file__).resolve().parents[2] / "vendor" / "citus" / "build.sh"


def install() -> None:
    """Citus into the machine's PostgreSQL 15 when it is missing and we may (root): from the
    vendored prebuilt archive when it matches, otherwise from the vendored source (ADR 0022). Its
    output goes to .data/citus-build.log; `available()` then says whether it worked."""
    if (PKGLIBDIR / "citus.so").exists() or not (BINDIR / "postgres").exists():
        return
    if os.geteuid() != 0 or not BUILD.exists():
        return
    _say("安装 Citus（vendor/citus/build.sh）……")
    log = Path.cwd() / ".data" / "citus-build.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        subprocess.run(["bash", str(BUILD)], stdout=out, stderr=subprocess.STDOUT, check=False)


def available() -> str | None:
    """None when a cluster can be started here, otherwise why not (in Chinese: it is printed)."""
    if not (BINDIR / "postgres").exists():
        return f"本机没有 PostgreSQL {MAJOR}（{BINDIR}）"
    if not (PKGLIBDIR / "citus.so").exists():
        return f"本机 PostgreSQL {MAJOR} 未安装 Citus 扩展（以 root 运行 vendor/citus/build.sh 可安装）"
    return None


def _as_postgres() -> list[str]:
    """PostgreSQL refuses to run as root: run its programs as the `postgres` user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"]
    return []


@dataclass
class Node:
    name: str
    folder: Path
    port: int = field(default_factory=free_port)

    def pg_ctl(self, *args: str) -> None:
        subprocess.run(
            [*_as_postgres(), str(BINDIR / "pg_ctl"), "-D", str(self.folder / "data"), *args],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def psql(self, sql: str, database: str = "postgres") -> str:
        found = subprocess.run(
            [
                str(BINDIR / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-v",
                "ON_ERROR_STOP=1",
                "-X",
                "-q",
                "-A",
                "-t",
                "-c",
                sql,
            ],  # fmt: skip
            check=True,
            capture_output=True,
            text=True,
        )
        return found.stdout.strip()

    def start(self) -> None:
        data = self.folder / "data"
        self.folder.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        subprocess.run(
            [
                *_as_postgres(),
                str(BINDIR / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],  # fmt: skip
            check=True,
            stdout=subprocess.DEVNULL,
        )
        settings = dict(SETTINGS, port=str(self.port), unix_socket_directories=f"'{data}'")
        with (data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        self.pg_ctl("start", "-w", "-t", "60", "-l", str(self.folder / "server.log"))

    def stop(self) -> None:
        if (self.folder / "data" / "postmaster.pid").exists():
            self.pg_ctl("stop", "-m", "immediate", "-w")


@dataclass
class Cluster:
    folder: Path
    coordinator: Node
    workers: list[Node]

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.coordinator.port}/{DATABASE}"

    @property
    def nodes(self) -> list[Node]:
        return [self.coordinator, *self.workers]

    def stop(self) -> None:
        for node in self.nodes:
            with contextlib.suppress(subprocess.CalledProcessError):
                node.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def start(workers: int = 2, parent: Path | None = None) -> Cluster:
    """Start a coordinator and `workers` workers, with the test database on each, Citus created in
    it and the workers registered; new schemas become distributed schemas (placed on a worker)."""
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="citus-", dir=parent))
    os.chmod(folder, 0o755)
    cluster = Cluster(
        folder=folder,
        coordinator=Node("coordinator", folder / "coordinator"),
        workers=[Node(f"worker{n}", folder / f"worker{n}") for n in range(1, workers + 1)],
    )
    try:
        for node in cluster.nodes:
            node.start()
        for node in cluster.nodes:
            node.psql(f"CREATE DATABASE {DATABASE}")
            node.psql("CREATE EXTENSION citus", database=DATABASE)
        coordinator = cluster.coordinator
        coordinator.psql(
            f"SELECT citus_set_coordinator_host('127.0.0.1', {coordinator.port})", DATABASE
        )
        for node in cluster.workers:
            coordinator.psql(f"SELECT citus_add_node('127.0.0.1', {node.port})", DATABASE)
        from core.common.cluster import DATABASE_SETTINGS

        for key, value in DATABASE_SETTINGS.items():
            coordinator.psql(f"ALTER DATABASE {DATABASE} SET {key} = {value}", DATABASE)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def worker_start(parent: Path | None = None) -> Node:
    """Another worker node, with the test database and Citus in it, not yet added to any cluster
    (what an operator prepares before `citus_add_node`)."""
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="citus-worker-", dir=parent))
    os.chmod(folder, 0o755)
    node = Node("worker", folder / "node")
    node.start()
    node.psql(f"CREATE DATABASE {DATABASE}")
    node.psql("CREATE EXTENSION citus", database=DATABASE)
    return node


def worker_stop(node: Node) -> None:
    with contextlib.suppress(subprocess.CalledProcessError):
        node.stop()
    shutil.rmtree(node.folder.parent, ignore_errors=True)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    """`python -m tests.support.citus [--install] [-- command …]`: the command (by default pytest
    on the district suites) with DATABASE_URL on a new cluster's coordinator; the cluster is
    removed afterwards. With --install, Citus is installed first when it is missing."""
    command = argv[argv.index("--") + 1 :] if "--" in argv else []
    options = argv[: argv.index("--")] if "--" in argv else argv
    if "--install" in options:
        install()
    if not command:
        command = [sys.executable, "-m", "pytest", "-m", "not bench and not e2e", *DISTRICT_SUITES]
    reason = available()
    if reason:
        _say(f"Citus 集群测试未运行：{reason}。区县相关测试仅在单台 PostgreSQL 上运行过。")
        return 0
    # A stop by SIGTERM (CI cancelling the run) removes the cluster too, as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    cluster = start(parent=Path.cwd() / ".data")
    _say(
        f"Citus 集群：协调节点 127.0.0.1:{cluster.coordinator.port}，工作节点 "
        + "、".join(f"127.0.0.1:{node.port}" for node in cluster.workers)
    )
    env = dict(
        os.environ,
        DATABASE_URL=cluster.url,
        CREDIT_TEST_DB_NAME=DATABASE,
        CREDIT_TEST_CLUSTER="citus",
    )
    try:
        return subprocess.run(command, env=env).returncode
    except KeyboardInterrupt:
        return 130
    finally:
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
