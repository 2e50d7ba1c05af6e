"""infra/Dockerfile, read with BuildKit's own parser (the `dockerfile` package) and linted by
hadolint; no container engine is needed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import dockerfile
from django.conf import settings

from tests.infra.files import DOCKERFILE, INFRA, ROOT

IGNORE_FILE = INFRA / "Dockerfile.dockerignore"


def instructions() -> tuple[dockerfile.Command, ...]:
    commands: tuple[dockerfile.Command, ...] = dockerfile.parse_file(str(DOCKERFILE))
    return commands


def final_stage() -> list[dockerfile.Command]:
    commands = list(instructions())
    last_from = max(i for i, c in enumerate(commands) if c.cmd == "FROM")
    return commands[last_from:]


def test_hadolint_finds_nothing() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run(
        [str(hadolint), "--format", "json", "--failure-threshold", "style", str(DOCKERFILE)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert json.loads(result.stdout) == []
    assert result.returncode == 0


def test_dependencies_come_from_the_lock_file_with_the_pinned_uv() -> None:
    runs = " ".join(" ".join(c.value) for c in instructions() if c.cmd == "RUN")
    dev_py = (ROOT / "dev.py").read_text(encoding="utf-8")
    (pinned,) = re.findall(r'^UV_VERSION = "([^"]+)"', dev_py, flags=re.MULTILINE)

    assert f"uv=={pinned}" in runs
    assert "uv sync --frozen --no-dev" in runs
    copied = [c.value for c in instructions() if c.cmd == "COPY" and not c.flags]
    assert ("pyproject.toml", "uv.lock", "./") in copied
    assert all((ROOT / source).exists() for value in copied for source in value[:-1])


def test_the_image_runs_gunicorn_as_a_numeric_non_root_user() -> None:
    stage = final_stage()
    (user,) = [c for c in stage if c.cmd == "USER"]
    (cmd,) = [c for c in stage if c.cmd == "CMD"]

    uid, _, gid = user.value[0].partition(":")
    assert int(uid) >= 1000
    assert int(gid) >= 1000
    assert cmd.json is True
    assert cmd.value == (
        "gunicorn", "--config", "infra/gunicorn.conf.py", "core.config.wsgi:application",
    )  # fmt: skip
    assert (ROOT / "infra" / "gunicorn.conf.py").is_file()
    assert (ROOT / "core" / "config" / "wsgi.py").is_file()
    assert [c.cmd for c in stage].index("USER") > max(
        i for i, c in enumerate(stage) if c.cmd in ("RUN", "COPY")
    )


def test_static_files_are_collected_without_a_database_or_real_keys() -> None:
    (collect,) = [c for c in final_stage() if c.cmd == "RUN" and "collectstatic" in c.value[0]]
    env = {c.value[i]: c.value[i + 1] for c in final_stage() if c.cmd == "ENV"
           for i in range(0, len(c.value), 2)}  # fmt: skip

    assert "manage.py collectstatic --noinput" in collect.value[0]
    assert "DATABASE_URL=postgres://collectstatic@127.0.0.1:1/none" in collect.value[0]
    assert env["DJANGO_SETTINGS_MODULE"] == "core.config.settings"
    assert env["CREDIT_DATA_DIR"] == "/var/lib/credit"
    assert str(ROOT / "static_collected") == settings.STATIC_ROOT


def test_the_build_context_leaves_out_local_state_but_no_application_code() -> None:
    patterns = [
        line for line in IGNORE_FILE.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]  # fmt: skip
    top_level = {pattern.split("/")[0] for pattern in patterns}

    assert {".git", ".venv", ".tools", ".data", "infra/.env", "tests"} <= set(patterns)
    packages = {app.split(".")[0] for app in settings.INSTALLED_APPS}
    ours = {p for p in packages if (ROOT / p / "__init__.py").exists()}
    assert ours
    assert ours.isdisjoint(top_level)
    assert {"manage.py", "district_templates"}.isdisjoint(top_level)
    assert "infra/gunicorn.conf.py" not in patterns
    assert "infra/migrate.sh" not in patterns
