"""The embedded PostgreSQL's list of the processes using it (core/config/embedded_pg.py): the last
one to exit stops the server, so a list naming a killed process, or unreadable, is repaired."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from core.config.embedded_pg import _repair_handle_list


def test_a_killed_process_is_dropped_from_the_list_so_the_server_stops_again(
    tmp_path: Path,
) -> None:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    handles = tmp_path / ".handle_pids.json"
    handles.write_text(json.dumps([os.getpid(), ended.pid]))

    _repair_handle_list(tmp_path)

    assert json.loads(handles.read_text()) == [os.getpid()]


def test_an_unreadable_list_is_reset(tmp_path: Path) -> None:
    handles = tmp_path / ".handle_pids.json"
    handles.write_text("")

    _repair_handle_list(tmp_path)

    assert json.loads(handles.read_text()) == []
