"""The embedded PostgreSQL used when no DATABASE_URL is configured.

The `pgserver` package ships PostgreSQL binaries; the server listens on a Unix socket only and stops
when the last process using it exits (see STACK.md). Its data folder stays inside the project
(`.data/pg`) because, when started as root, pgserver opens up every parent folder of it.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

UTF8_LOCALE = "C.UTF-8"


@dataclass(frozen=True)
class EmbeddedServer:
    socket_dir: str
    port: int
    handle: Any


_server: EmbeddedServer | None = None


def _psql(handle: Any, sql: str) -> str:
    return str(handle.psql(sql))


def _ensure_utf8_template(handle: Any) -> None:
    """Databases must be created with a UTF-8 LC_CTYPE (Chinese text search depends on it).

    initdb takes the locale from the environment; when that was not UTF-8, template1 is rebuilt
    from template0 with a UTF-8 locale, as the PostgreSQL manual describes for changing template1.
    """
    ctype = _psql(handle, "SELECT datctype FROM pg_database WHERE datname = 'template1';")
    if "utf" in ctype.lower():
        return
    _psql(
        handle,
        "UPDATE pg_database SET datistemplate = false WHERE datname = 'template1';\n"
        "DROP DATABASE template1;\n"
        f"CREATE DATABASE template1 TEMPLATE template0 ENCODING 'UTF8' "
        f"LC_COLLATE '{UTF8_LOCALE}' LC_CTYPE '{UTF8_LOCALE}';\n"
        "UPDATE pg_database SET datistemplate = true WHERE datname = 'template1';\n",
    )


def ensure_embedded_server(data_dir: Path, database: str) -> EmbeddedServer:
    """Start (or attach to) the project's own PostgreSQL and make sure `database` exists."""
    global _server
    if _server is not None:
        return _server
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset and falls back to /tmp, which is fine.
        warnings.simplefilter("ignore")
        import pgserver  # imported lazily: only the embedded default needs it

    data_dir.mkdir(parents=True, exist_ok=True)
    with pgserver.postgres_server.PostgresServer._lock:  # the lock pgserver keeps the list under
        _repair_handle_list(data_dir)
    previous = os.environ.get("LC_ALL")
    os.environ["LC_ALL"] = UTF8_LOCALE  # initdb reads its locale from the environment
    try:
        handle = pgserver.get_server(str(data_dir), cleanup_mode="stop")  # type: ignore[attr-defined]
    finally:
        if previous is None:
            os.environ.pop("LC_ALL", None)
        else:
            os.environ["LC_ALL"] = previous
    # psql runs as a subprocess (~0.3 s each): check once per data folder and database, then
    # remember it in a marker file.
    marker = data_dir / f".credit-ready-{database}"
    if not marker.exists():
        _ensure_utf8_template(handle)
        exists = _psql(handle, f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
        if "1 row" not in exists:
            # Another process may create it between the check and the create.
            with contextlib.suppress(subprocess.CalledProcessError):
                _psql(handle, f'CREATE DATABASE "{database}";')
        marker.write_text("ok\n")
    info = handle.get_postmaster_info()
    _server = EmbeddedServer(socket_dir=str(info.socket_dir), port=int(info.port), handle=handle)
    return _server


def _repair_handle_list(data_dir: Path) -> None:
    """pgserver keeps the ids of processes using the server in a JSON file, and the last one to
    exit stops the server. A process killed while writing it leaves it empty, and every later
    start fails on it: an unreadable list is reset. A process killed at all stays listed, and the
    server would never stop again: the ids of processes that no longer run are dropped."""
    handles = data_dir / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        listed = json.loads(handles.read_text() or "x")
    except ValueError:
        handles.write_text("[]")
        return
    running = [pid for pid in listed if isinstance(pid, int) and _running(pid)]
    if running != listed:
        handles.write_text(json.dumps(running))


def _running(pid: int) -> bool:
    if os.name == "nt":
        return True  # os.kill would end the process there: keep the id
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True
