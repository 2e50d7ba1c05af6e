"""`python3 dev.py manage …` runs the README's operator commands as written: with no
DJANGO_DEBUG and no keys set it takes `demo`'s local defaults, and it syncs the environment only
when uv.lock changed since the last sync (issue 22, point 1)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infra.files import ROOT
from tests.infra.test_gunicorn import database_url

SYNC_MESSAGE = "installing locked dependencies"
UNSET = ("DJANGO_DEBUG", "DJANGO_SECRET_KEY", "SUBJECT_LOOKUP_KEY", "SUBJECT_DATA_KEY")


def _dev_manage(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    env.update(DATABASE_URL=database_url(), CREDIT_DATA_DIR=str(data_dir))
    return subprocess.run(
        [sys.executable, str(ROOT / "dev.py"), "manage", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.usefixtures("django_db_setup")
def test_district_list_runs_without_debug_or_keys_and_syncs_once(tmp_path: Path) -> None:
    first = _dev_manage("district", "list", data_dir=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "ImproperlyConfigured" not in first.stderr
    assert re.search(r"[\u4e00-\u9fff]", first.stdout), first.stdout

    second = _dev_manage("district", "list", data_dir=tmp_path)
    assert second.returncode == 0, second.stdout + second.stderr
    assert re.search(r"[\u4e00-\u9fff]", second.stdout), second.stdout
    # The environment matches uv.lock after the first call: the second does not sync it again.
    assert SYNC_MESSAGE not in second.stdout + second.stderr
    assert (ROOT / ".venv" / ".dev-sync-stamp").is_file()
