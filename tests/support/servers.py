"""Real servers the test run starts for itself: Redis (when none is running; started as `dev.py
demo` starts its own, core/config/local_services.py) and SeaweedFS (S3)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.datastructures import CaseInsensitiveMapping

from core.config.local_services import (
    RunningServer,
    free_port,
    port_open,
    redis_start,
    wait_for,
)

__all__ = [
    "RunningServer",
    "free_port",
    "header_map",
    "on_test_database",
    "port_open",
    "start_redis",
    "stop_process",
    "wait_for",
]


def stop_process(process: subprocess.Popen[bytes], seconds: float = 20) -> None:
    """Stop a server a test started: terminate, then kill if it has not ended within `seconds`."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def on_test_database(env: dict[str, str]) -> dict[str, str]:
    """`env` with its database pointed at this run's test database, for a server process a test
    starts: the same server with DATABASE_URL, or the embedded one with its database's name."""
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if env.get("DATABASE_URL"):
        env["DATABASE_URL"] = env["DATABASE_URL"].rsplit("/", 1)[0] + "/" + name
    else:
        env["CREDIT_EMBEDDED_DB_NAME"] = name
    return env


def header_map(headers: Any) -> Mapping[str, str]:
    """An HTTP answer's headers, looked up in any case (HTTP names are case-insensitive, and the
    web server sends them lowercase)."""
    return CaseInsensitiveMapping(dict(headers))


# The Redis database tests use; the cluster stage, which runs beside the main one, takes another.
TEST_REDIS_DB = int(os.environ.get("TEST_REDIS_DB", "15"))


def start_redis() -> RunningServer:
    """The machine's Redis on 6379 when it runs, otherwise a private one (the demo's code)."""
    if port_open(6379):
        return RunningServer(
            url=f"redis://127.0.0.1:6379/{TEST_REDIS_DB}", process=None, workdir=None
        )
    return redis_start(db=TEST_REDIS_DB)


@dataclass
class S3Server(RunningServer):
    access_key: str = "test-access-key"
    secret_key: str = "test-secret-key-0123456789"


def start_seaweedfs() -> S3Server:
    """A real S3 server (SeaweedFS `weed mini`) on free loopback ports, checking signatures."""
    weed = Path(sys.executable).parent / "weed"
    workdir = Path(tempfile.mkdtemp(prefix="test-seaweedfs-"))
    server = S3Server(url="", process=None, workdir=workdir)
    config = {
        "identities": [
            {
                "name": "tests",
                "credentials": [{"accessKey": server.access_key, "secretKey": server.secret_key}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    (workdir / "s3.json").write_text(json.dumps(config))
    ports = {name: free_port() for name in ("master", "volume", "filer", "s3")}
    grpc = {name: free_port() for name in ("master", "volume", "filer")}
    args = [
        str(weed), "mini", f"-dir={workdir / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={ports['master']}", f"-master.port.grpc={grpc['master']}",
        f"-volume.port={ports['volume']}", f"-volume.port.grpc={grpc['volume']}",
        f"-filer.port={ports['filer']}", f"-filer.port.grpc={grpc['filer']}",
        f"-s3.port={ports['s3']}", "-s3.port.iceberg=0", "-s3.port.lance=0",
        "-webdav=false", "-admin.ui=false", f"-s3.config={workdir / 's3.json'}",
    ]  # fmt: skip
    (workdir / "data").mkdir()
    log = open(workdir / "weed.log", "wb")  # noqa: SIM115  (closed when the process ends)
    server.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    server.url = f"http://127.0.0.1:{ports['s3']}"

    def ready() -> bool:
        try:
            urllib.request.urlopen(server.url, timeout=0.5)
        except urllib.error.HTTPError:
            return True  # 403 for an anonymous request: the S3 API is answering
        except OSError:
            return False
        return True

    wait_for(ready, "SeaweedFS S3", timeout=40)
    return server


def postgres_programs(major: int) -> Path | None:
    """The folder holding PostgreSQL `major`'s programs (initdb, pg_ctl, pg_dump, psql), or None.

    A dump is only restorable by a server of the version it was written for, and pg_dump refuses
    a newer server, so a test that copies the test database with pg_dump uses the programs of
    that server's major version: pgserver's bundled ones (the embedded default), Debian's
    /usr/lib/postgresql/<major>/bin (the machine's server), or what `pg_config` names."""
    import importlib.util

    candidates: list[Path] = []
    spec = importlib.util.find_spec("pgserver")
    if spec is not None and spec.origin is not None:
        candidates.append(Path(spec.origin).parent / "pginstall" / "bin")
    candidates.append(Path(f"/usr/lib/postgresql/{major}/bin"))
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        candidates.append(Path(found.stdout.strip()))
    for folder in candidates:
        postgres = folder / "postgres"
        if not (
            postgres.exists() and (folder / "pg_dump").exists() and (folder / "initdb").exists()
        ):
            continue
        version = subprocess.run([str(postgres), "--version"], capture_output=True, text=True)
        # "postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"
        words = version.stdout.split()
        if len(words) >= 3 and words[2].split(".")[0] == str(major):
            return folder
    return None


@contextmanager
def append_only_off() -> Iterator[None]:
    """Append-only triggers off for what the block does: a test tampering with a log as someone
    with database access could, or removing a log's tail that a real server committed. The
    setting is SET LOCAL in a transaction (a savepoint inside a test's own), which Citus passes on
    to the district's worker with `citus.propagate_set_commands = local` (a setting PostgreSQL
    without Citus keeps as an unused placeholder); a plain SET would stay on the coordinator."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL citus.propagate_set_commands = 'local'")
        cursor.execute("SET LOCAL session_replication_role = replica")
        yield
        cursor.execute("SET LOCAL session_replication_role = origin")


def append_only_remove(rows: Any) -> None:
    """Delete rows of append-only tables (audit and exchange logs) that a test made a real server
    commit, so the baseline districts stay as other tests expect them. Remove only a log's tail,
    so what remains still verifies."""
    with append_only_off():
        rows.delete()
