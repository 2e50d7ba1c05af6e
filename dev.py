#!/usr/bin/env python3
"""The project's two commands, needing nothing but Python 3.11 or 3.12:

    python3 dev.py demo     install, then run the platform with demo data (three districts)
    python3 dev.py test     install, then run every check and test (what CI runs)

and, for engineers: `python3 dev.py bench` (benchmarks under tests/bench/) and
`python3 dev.py manage ARGS` (manage.py inside the project's environment, with `demo`'s local
defaults: DJANGO_DEBUG=1 unless set, so local keys and the embedded PostgreSQL).

Installing means: a virtual environment in .venv, uv from PyPI inside it, and exactly the versions
in uv.lock, synced again only when uv.lock changed (.venv/.dev-sync-stamp). With no DATABASE_URL
the platform starts its own PostgreSQL under .data/; with no S3_BUCKET files go to .data/media. With no CELERY_BROKER_URL tasks run in-process, except under
`demo`, which runs a Celery worker beside the web server, over a private Redis unless
CELERY_BROKER_URL or REDIS_URL names one (core/config/local_services.py), and stops both with it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"  # the project's environment, managed by uv from uv.lock
TOOLS = ROOT / ".tools"  # a separate environment holding uv itself
SCRIPTS = "Scripts" if os.name == "nt" else "bin"
BIN = VENV / SCRIPTS
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
UV_VERSION = "0.13.8"
# Written into .venv after a successful `uv sync`: what the environment was synced from, so a
# command can skip the sync when nothing changed since (`manage` runs often).
SYNC_STAMP = VENV / ".dev-sync-stamp"
CHROMIUM_PACKAGES = ["chromium", "chromium-driver"]
# The test suite's cluster stage (tests/support/citus.py, ADR 0022) needs PostgreSQL 15 with Citus.
CLUSTER_LOG = ROOT / ".data" / "cluster-stage.log"
# The cluster stage yields the cores to the main stage (its nodes inherit this).
NICE = ["nice", "-n", "15"] if shutil.which("nice") else []
# Keys for tests and benchmarks only (production sets its own; see README).
TEST_KEYS = {
    "DJANGO_SECRET_KEY": "test-only-secret-key-not-for-production",
    "SUBJECT_LOOKUP_KEY": "test-only-lookup-key",
    "SUBJECT_DATA_KEY": "dGVzdC1vbmx5LWRhdGEta2V5LW5vdC1mb3ItcHJvZHU=",
}


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(args: list[str | Path], env: dict[str, str] | None = None, check: bool = True) -> int:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
    if check and result.returncode != 0:
        sys.exit(result.returncode)
    return result.returncode


def run_until_stopped(args: list[str | Path], env: dict[str, str]) -> int:
    """Run `args` until it ends. Ctrl-C reaches it as it reaches us, and it stops what it started:
    we wait for that instead of killing it; SIGTERM is passed on to it."""
    process = subprocess.Popen([str(a) for a in args], cwd=ROOT, env=env)
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, lambda signum, frame: process.send_signal(signum))
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            continue


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    # Let Python cache the project's bytecode: process start-up is seconds faster.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.update(extra)
    return env


def local_env() -> dict[str, str]:
    """The environment of `demo` and `manage` on a developer's machine: DEBUG on unless the user
    says otherwise, so the settings take keys for local use only (kept under .data) and, with no
    DATABASE_URL, the embedded PostgreSQL. Production sets its own keys and DJANGO_DEBUG=0."""
    return child_env(DJANGO_DEBUG=os.environ.get("DJANGO_DEBUG", "1"))


def sync_fingerprint() -> str:
    """What `uv sync` installs from: the lock, the project's metadata, the interpreter, uv."""
    digest = hashlib.sha256()
    for name in ("uv.lock", "pyproject.toml"):
        path = ROOT / name
        digest.update(path.read_bytes() if path.exists() else b"")
    digest.update(f"{sys.executable}|{sys.version}|{UV_VERSION}".encode())
    return digest.hexdigest()


def environment_synced() -> bool:
    try:
        return PYTHON.exists() and SYNC_STAMP.read_text().strip() == sync_fingerprint()
    except OSError:
        return False


def install() -> None:
    if sys.version_info < (3, 11) or sys.version_info >= (3, 13):
        sys.exit(
            "Python 3.11 or 3.12 is required (the embedded PostgreSQL has no wheels for 3.13)."
        )
    if environment_synced():
        return
    uv = TOOLS / SCRIPTS / "uv"
    if not uv.exists():
        say(f"installing uv {UV_VERSION} into .tools")
        run([sys.executable, "-m", "venv", TOOLS])
        run([TOOLS / SCRIPTS / "python", "-m", "pip", "install", "--quiet", f"uv=={UV_VERSION}"])
    say("installing locked dependencies (uv.lock) into .venv")
    env = child_env(UV_PROJECT_ENVIRONMENT=str(VENV))
    run(
        [uv, "sync", "--frozen", "--compile-bytecode", "--quiet", "--python", sys.executable],
        env=env,
    )
    SYNC_STAMP.write_text(sync_fingerprint() + "\n")


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def nginx_path() -> str | None:
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def ensure_system_packages() -> None:
    """Browser tests drive the system's Chromium, and tests/infra runs `nginx -t` on
    infra/nginx/nginx.conf: install Debian's when they are missing and we can. Without nginx
    that one test is skipped; without Chromium the browser tests cannot run."""
    packages = [] if chromium_path() else [*CHROMIUM_PACKAGES, "fonts-wqy-zenhei"]
    packages += [] if nginx_path() else ["nginx-light"]
    if not packages:
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        say(f"installing from Debian for the tests: {' '.join(packages)}")
        run(["apt-get", "update", "-qq"])
        run(
            ["apt-get", "install", "-y", "-qq", *packages],
            env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
        )
        return
    if not chromium_path():
        sys.exit(
            "Chromium is needed for the browser tests: install it (e.g. `apt-get install chromium`)."
        )


def cluster_stage_start(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The cluster stage (tests/support/citus.py, ADR 0022): the district suites on a coordinator and
    two workers, after installing Citus when it is missing (vendor/citus/build.sh). It runs beside
    the main stage at a lower priority (NICE), in the time that leaves idle, with its own Redis
    databases and data folder; its output goes to a log printed after the main stage's. (Started
    before the checks instead, it slowed them more than it gained: 14 min 20 s against 13 min 31 s
    from a fresh clone.)"""
    cluster_env = dict(env, TEST_REDIS_DB="14", TEST_SECURITY_REDIS_DB="10",
                       CREDIT_DATA_DIR=str(ROOT / ".data" / "cluster-stage"))  # fmt: skip
    CLUSTER_LOG.parent.mkdir(exist_ok=True)
    with CLUSTER_LOG.open("wb") as out:
        return subprocess.Popen(
            [*NICE, str(PYTHON), "-m", "tests.support.citus", "--install"], cwd=ROOT,
            env=cluster_env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def cluster_stage_stop(cluster: subprocess.Popen[bytes]) -> None:
    """Stopped early (the main stage interrupted): SIGTERM, on which the stage removes its
    cluster."""
    if cluster.poll() is None:
        cluster.terminate()
        try:
            cluster.wait(60)
        except subprocess.TimeoutExpired:
            cluster.kill()


def manage(*args: str, env: dict[str, str] | None = None, check: bool = True) -> int:
    return run([PYTHON, "manage.py", *args], env=env or child_env(), check=check)


def demo(argv: list[str]) -> None:
    port = argv[0] if argv else "8000"
    install()
    # Readable logs in a terminal; runserver prints each request itself.
    env = local_env()
    env.update(
        LOG_FORMAT=os.environ.get("LOG_FORMAT", "text"),
        LOG_REQUESTS=os.environ.get("LOG_REQUESTS", "0"),
        # The demo's districts ask each other over this server (exchange/transport.py).
        EXCHANGE_LOCAL_PORT=port,
    )
    say("migrating the public schema and every district")
    manage("migrate_schemas", "--executor=standard", "-v", "0", env=env)
    say("creating the operator and the demo districts")
    manage("demo_setup", "--port", port, env=env)
    say(f"serving on port {port} (Ctrl-C stops it and everything it started)")
    # Uploads are ingested by a Celery worker, off the request: the console shows their progress.
    served: list[str | Path] = [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}"]
    run_until_stopped([PYTHON, "-m", "core.config.local_services", "--", *served], env)


def test(argv: list[str]) -> None:
    install()
    ensure_system_packages()
    env = child_env(DJANGO_DEBUG="0", DJANGO_SECURE_COOKIES="0", **TEST_KEYS)
    if argv:
        checks(env)
        say("pytest")
        run([BIN / "pytest", "-m", "not bench", *argv], env=env)
        return
    checks(env)
    say("pytest: every suite on one PostgreSQL server; beside it, the district suites on Citus")
    cluster = cluster_stage_start(env)
    try:
        main_code = run([BIN / "pytest", "-m", "not bench"], env=env, check=False)
        cluster_code = cluster.wait()
    finally:
        cluster_stage_stop(cluster)
    say("pytest on a three-node Citus cluster: the district suites (tests/support/citus.py)")
    sys.stdout.write(CLUSTER_LOG.read_text(encoding="utf-8", errors="replace"))
    sys.stdout.flush()
    if main_code or cluster_code:
        sys.exit(main_code or cluster_code)


def checks(env: dict[str, str]) -> None:
    say("ruff (lint and format)")
    run([BIN / "ruff", "check", "."], env=env)
    run([BIN / "ruff", "format", "--check", "."], env=env)
    say("mypy")
    run([BIN / "mypy", "."], env=env)
    say("import-linter (the layer map, docs/architecture.md)")
    run([BIN / "lint-imports", "--no-cache"], env=env)
    say("migrations are complete")
    manage("makemigrations", "--check", "--dry-run", env=env)


def bench(argv: list[str]) -> None:
    install()
    env = child_env(DJANGO_DEBUG="0", **TEST_KEYS)
    run([BIN / "pytest", "-m", "bench", "tests/bench", "-s", *argv], env=env)


def main() -> None:
    commands = {"demo": demo, "test": test, "bench": bench}
    if len(sys.argv) < 2 or sys.argv[1] not in (*commands, "manage"):
        sys.exit(__doc__)
    if sys.argv[1] == "manage":
        install()
        # The README's operator commands run as written: the same local defaults as `demo`.
        sys.exit(manage(*sys.argv[2:], env=local_env(), check=False))
    commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
