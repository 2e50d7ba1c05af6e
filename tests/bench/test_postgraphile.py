"""Issue 25: the district API's `subject(code:)` with its records against PostGraphile 4 serving the
same subject and records from the same tables, in the same run, at district scale.

Data: tests/bench/scale.py's district (BENCH_SCORING_SUBJECTS subjects, BENCH_SCORING_RECORDS
records; 100,000 and 1,000,000 by default) in wanzhou. BENCH_CODES (1,000) of its subjects, picked
at random, get valid unified social credit codes (tests/core/collection/files.py `uscc`), and their
records are made publishable (not repaired, publicity not ended, a socially public catalogue item),
so that both servers answer with the same records: ours shows the public only publishable records,
PostGraphile shows the table as is.

Servers, one at a time on the same 2 cores:
- PostGraphile 4 (tests/bench/postgraphile_server.js: a library under Node's cluster, 2 workers,
  wanzhou exposed as is, no GraphiQL, no default mutations, no watchPg, no query log), installed
  with npm into POSTGRAPHILE_CACHE (~/.cache/credit-bench/postgraphile), reused between runs;
- ours: gunicorn, 2 sync workers, core.config.wsgi:application, DJANGO_DEBUG=0, a Redis of its
  own as the cache, measured twice: misses (GRAPHQL_RESPONSE_CACHE_SECONDS=0) and mixed (the
  response cache on, after a warm-up pass over the codes).

The queries (the PostGraphile names are read from its introspection at start):
  ours    subject(code: $code) { name kindLabel code records { docNumber decisionDate title
          authorityName stateLabel publicityStart publicityEnd repairFrom fineWan } }
  theirs  subjectsSubjectByUscc(uscc: $code) { name kind uscc
          recordsRecordsBySubjectId(orderBy: [DECISION_DATE_DESC, ID_DESC]) { nodes { docNumber
          decisionDate title authorityName disputedSince publicityStart publicityEnd repairFrom
          fineWan } } }
Derived fields of ours: kindLabel is the label of `kind` (PostGraphile returns `kind`); stateLabel
is derived from five columns, of which only `disputedSince` can vary among publishable records
(published or disputed), so PostGraphile returns that column in its place.

Load: wrk (Debian's package; installed with apt-get when missing and root, as dev.py installs
Chromium) with tests/bench/wrk_codes.lua: BENCH_CONNECTIONS (32) keep-alive connections, every
request for one of the codes at random, BENCH_WARMUP_SECONDS (3) of warm-up, then BENCH_SECONDS
(10) measured. Before that, every code is asked once of the server and each answer checked against
the database (right subject, right records in the right order); a sample again after the load. The
generator's own ceiling is measured first against a trivial Node server answering a fixed body.

CPU per request: utime + stime from /proc of the server's process tree, of PostgreSQL's backends
connected to the test database, and of all `postgres` processes (the machine's PostgreSQL serves
other databases too: that column includes their work), before and after the measured run; wrk's
own from its rusage; PostgreSQL transactions per request from pg_stat_database.

Options: BENCH_SERVER_ROOT runs our server from another tree (an exported commit, to measure a
"before" while the working tree is being changed); BENCH_PYSPY (a py-spy binary) samples our
workers during the measured runs into /tmp/credit-bench-profile-<mode>.txt (slows them down).

Goals (issue 25), asserted: ours ≥ 0.65× PostGraphile's throughput on misses, ≥ 1.0× on mixed.
Run: .venv/bin/pytest -m bench tests/bench/test_postgraphile.py -s -q -p no:cacheprovider
Figures: docs/benchmarks.md
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from core.config.local_services import redis_start
from tests.bench.scale import SUBJECTS, district_at_scale
from tests.core.collection.files import uscc
from tests.support.servers import free_port, on_test_database, port_open, stop_process, wait_for

ROOT = Path(__file__).resolve().parents[2]
BENCH = Path(__file__).resolve().parent
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
WARMUP_SECONDS = float(os.environ.get("BENCH_WARMUP_SECONDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
CODES = min(int(os.environ.get("BENCH_CODES", "1000")), SUBJECTS)
CACHE = Path(
    os.environ.get("POSTGRAPHILE_CACHE", "~/.cache/credit-bench/postgraphile")
).expanduser()
# Where our server's code comes from: this tree, or (to measure a "before" while the tree is being
# changed) an exported commit, e.g. `git archive HEAD | tar -x -C /tmp/credit-head`.
SERVER_ROOT = Path(os.environ.get("BENCH_SERVER_ROOT", str(ROOT))).resolve()
HOST = "wanzhou.localhost"
GOAL_MISSES, GOAL_MIXED = 0.65, 1.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

OURS = (
    "query($code: String!) { subject(code: $code) { name kindLabel code records { docNumber "
    "decisionDate title authorityName stateLabel publicityStart publicityEnd repairFrom fineWan } } }"
)
THEIR_RECORD_FIELDS = (
    "docNumber decisionDate title authorityName disputedSince publicityStart publicityEnd "
    "repairFrom fineWan"
)
# Fields whose values both servers must agree on (the rest are derived or named differently).
SAME_FIELDS = ("docNumber", "decisionDate", "title", "authorityName", "publicityStart",
               "publicityEnd", "repairFrom")  # fmt: skip


@dataclass(frozen=True)
class Expected:
    name: str
    doc_numbers: list[str]


@dataclass(frozen=True)
class Run:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    bad: int
    socket_errors: int
    server_ms: float  # CPU per request, server process tree
    backends_ms: float  # CPU per request, PostgreSQL backends of the test database
    postgres_ms: float  # CPU per request, every postgres process on the machine
    generator_ms: float  # CPU per request, wrk itself
    transactions: float  # PostgreSQL transactions per request in the test database (autocommit:
    # one per statement for us)
    note: str = ""

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


# --- tools -----------------------------------------------------------------------------------


def _wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if shutil.which("apt-get") and os.geteuid() == 0:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, env=env)
        found = shutil.which("wrk")
    if not found:
        pytest.skip("wrk is needed as the load generator (Debian: apt-get install wrk)")
    return found


def _postgraphile() -> Path:
    """PostGraphile 4 in the cache folder, installed with npm on first use."""
    if not Path("/usr/bin/node").exists() and not shutil.which("node"):
        pytest.skip("Node.js is needed to run PostGraphile (Debian: apt-get install nodejs npm)")
    package = CACHE / "node_modules" / "postgraphile" / "package.json"
    if not package.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is needed to install PostGraphile 4 (Debian: apt-get install npm)")
        CACHE.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(CACHE), "postgraphile@4"],
            capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        if done.returncode != 0 or not package.exists():
            pytest.skip(f"npm could not install postgraphile@4 into {CACHE}: {done.stderr[-500:]}")
    version = json.loads(package.read_text())["version"]
    assert version.startswith("4."), f"{CACHE} holds PostGraphile {version}, not 4"
    return CACHE


@pytest.fixture(scope="module")
def tools() -> tuple[str, Path]:
    return _wrk(), _postgraphile()


# --- data ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def codes(
    tools: tuple[str, Path], django_db_setup: None, django_db_blocker: Any
) -> Iterator[dict[str, Expected]]:
    with (
        district_at_scale(django_db_blocker),
        django_db_blocker.unblock(),
        schema_context("wanzhou"),
    ):
        yield _choose()


def _choose() -> dict[str, Expected]:
    """Valid codes for CODES random subjects, their records all publishable; what each code must
    answer (name, document numbers newest first)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM subjects_subject WHERE kind <> 'natural' ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
        chosen = random.Random(25).sample(ids, CODES)
        new_codes = [uscc(700_000 + n) for n in range(CODES)]
        cursor.execute(
            "UPDATE subjects_subject s SET uscc = c.code FROM unnest(%s::bigint[], %s::text[]) "
            "AS c(id, code) WHERE s.id = c.id",
            [chosen, new_codes],
        )
        cursor.execute("SELECT id FROM catalog_catalogitem WHERE code = 'N03-02'")
        penalty_item = cursor.fetchone()[0]
        cursor.execute(
            "UPDATE records_record r SET repaired_at = NULL, withdrawn_at = NULL, "
            "published_by_rule = true, publicity_end = GREATEST(publicity_end, CURRENT_DATE + 30), "
            "kind = CASE WHEN ci.disclosure = 'public' THEN r.kind ELSE 'penalty' END, "
            "catalog_item_id = CASE WHEN ci.disclosure = 'public' THEN r.catalog_item_id ELSE %s END "
            "FROM catalog_catalogitem ci WHERE ci.id = r.catalog_item_id AND r.subject_id = ANY(%s)",
            [penalty_item, chosen],
        )
        cursor.execute(
            "SELECT s.uscc, s.name, array_agg(r.doc_number ORDER BY r.decision_date DESC, r.id DESC) "
            "FILTER (WHERE r.id IS NOT NULL) FROM subjects_subject s "
            "LEFT JOIN records_record r ON r.subject_id = s.id WHERE s.id = ANY(%s) GROUP BY s.id",
            [chosen],
        )
        expected = {
            code: Expected(name, list(docs or [])) for code, name, docs in cursor.fetchall()
        }
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE subjects_subject")
        cursor.execute("ANALYZE records_record")
    assert len(expected) == CODES
    counts = [len(e.doc_numbers) for e in expected.values()]
    print(f"{CODES:,} codes, {min(counts)}–{max(counts)} records each ({sum(counts):,} in all)")
    return expected


# --- processes and CPU -----------------------------------------------------------------------


def _processes() -> dict[int, tuple[int, str, int]]:
    """pid -> (parent pid, command name, utime + stime + cutime + cstime in clock ticks)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        rest = raw[raw.rindex(")") + 2 :].split()
        found[int(entry.name)] = (int(rest[1]), comm, sum(int(v) for v in rest[11:15]))
    return found


def _tree(root: int, processes: dict[int, tuple[int, str, int]]) -> set[int]:
    pids, grew = {root}, True
    while grew:
        more = {pid for pid, (ppid, _, _) in processes.items() if ppid in pids} - pids
        pids |= more
        grew = bool(more)
    return pids


def _ticks(before: dict[int, tuple[int, str, int]], after: dict[int, tuple[int, str, int]],
           pids: set[int]) -> int:  # fmt: skip
    """CPU ticks the processes `pids` used between the two snapshots (new ones entirely)."""
    return sum(after[p][2] - (before[p][2] if p in before else 0) for p in pids if p in after)


def _postgres(processes: dict[int, tuple[int, str, int]]) -> set[int]:
    return {pid for pid, (_, comm, _) in processes.items() if comm in ("postgres", "postmaster")}


def _transactions() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database "
            "WHERE datname = current_database()"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _backends() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return {row[0] for row in cursor.fetchall()}


# --- load ------------------------------------------------------------------------------------


def _wrk_run(wrk: str, port: int, bodies: Path, seconds: float) -> tuple[dict[str, Any], float]:
    """One wrk run; its summary and the CPU seconds wrk itself used."""
    command = [wrk, "-t2", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--timeout", "10s",
               "-s", str(BENCH / "wrk_codes.lua"), f"http://127.0.0.1:{port}/graphql/", "--",
               str(bodies), HOST]  # fmt: skip
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    match = re.search(r"^BENCH (\{.*\})$", text, re.MULTILINE)
    assert process.returncode == 0, text
    assert match, text
    summary: dict[str, Any] = json.loads(match.group(1))
    return summary, float(usage.ru_utime + usage.ru_stime)


def _measure(
    wrk: str, port: int, bodies: Path, root: int, with_db: bool = True, profile: str = ""
) -> Run:
    _wrk_run(wrk, port, bodies, WARMUP_SECONDS)
    time.sleep(1.5)  # backends report their statistics within a second of going idle
    transactions = _transactions()
    spy = _profiler(root, profile)
    before = _processes()
    summary, generator_seconds = _wrk_run(wrk, port, bodies, SECONDS)
    after = _processes()
    if spy is not None:
        spy.wait(60)
    time.sleep(1.5)
    transactions = _transactions() - transactions
    backends = _backends() if with_db else set()
    requests = max(1, int(summary["requests"]))

    def per_request(ticks: float) -> float:
        return ticks / CLOCK_TICKS / requests * 1000

    return Run(
        requests=summary["requests"], seconds=summary["seconds"], p50_ms=summary["p50_ms"],
        p99_ms=summary["p99_ms"], bad=summary["bad"], socket_errors=summary["socket_errors"],
        server_ms=per_request(_ticks(before, after, _tree(root, after))),
        backends_ms=per_request(_ticks(before, after, backends)),
        postgres_ms=per_request(_ticks(before, after, _postgres(after))),
        generator_ms=generator_seconds / requests * 1000, transactions=transactions / requests,
    )  # fmt: skip


def _profiler(root: int, name: str) -> subprocess.Popen[bytes] | None:
    """With BENCH_PYSPY (a py-spy binary), sample the server's processes during the measured run
    into collapsed stacks, /tmp/credit-bench-profile-<name>.txt. It costs CPU: figures from a
    profiled run are not comparable."""
    spy = os.environ.get("BENCH_PYSPY")
    if not spy or not name:
        return None
    output = Path(tempfile.gettempdir()) / f"credit-bench-profile-{name}.txt"
    print(f"profiling into {output}")
    return subprocess.Popen(
        [spy, "record", "--pid", str(root), "--subprocesses", "--rate", "200", "--duration",
         str(max(1, round(SECONDS))), "--format", "raw", "--output", str(output), "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _post(port: int, body: bytes) -> dict[str, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql/",
        data=body,
        headers={"Host": HOST, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


def _check_all(
    port: int,
    bodies: dict[str, bytes],
    expected: dict[str, Expected],
    read: Callable[[dict[str, Any]], tuple[str, str, list[dict[str, Any]]]],
) -> dict[str, list[dict[str, Any]]]:
    """Ask for every code (8 at a time) and check each answer; the records by code."""

    def one(code: str) -> tuple[str, list[dict[str, Any]]]:
        answer = _post(port, bodies[code])
        assert "errors" not in answer, answer
        name, got_code, records = read(answer["data"])
        assert (got_code, name) == (code, expected[code].name), answer
        assert [r["docNumber"] for r in records] == expected[code].doc_numbers, (code, answer)
        return code, records

    with ThreadPoolExecutor(8) as pool:
        return dict(pool.map(one, list(bodies)))


def _write_bodies(folder: Path, name: str, bodies: dict[str, bytes]) -> Path:
    path = folder / f"{name}.jsonl"
    path.write_bytes(b"\n".join(bodies.values()) + b"\n")
    return path


# --- servers ---------------------------------------------------------------------------------


def _node_env(port: int, modules: Path, **extra: str) -> dict[str, str]:
    db = connection.settings_dict
    return dict(
        os.environ, BENCH_PORT=str(port), BENCH_WORKERS="2", BENCH_SCHEMA="wanzhou",
        BENCH_NODE_MODULES=str(modules), PGHOST=str(db["HOST"] or "127.0.0.1"),
        PGPORT=str(db["PORT"] or 5432), PGUSER=str(db["USER"]), PGPASSWORD=str(db["PASSWORD"] or ""),
        PGDATABASE=str(db["NAME"]), NODE_ENV="production", **extra,
    )  # fmt: skip


def _start_node(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [shutil.which("node") or "/usr/bin/node", str(BENCH / "postgraphile_server.js")],
        cwd=BENCH, env=env,
    )  # fmt: skip
    wait_for(lambda: port_open(port) or process.poll() is not None, "node", timeout=60)
    assert process.poll() is None, "the Node server exited"
    return process


def _their_query(port: int) -> str:
    """The PostGraphile query, with the names its inflection gave the lookup and the relation."""
    introspection = _post(port, json.dumps({"query": (
        "{ __schema { queryType { fields { name type { name } } } } }")}).encode())  # fmt: skip
    lookups = [f for f in introspection["data"]["__schema"]["queryType"]["fields"]
               if f["name"].endswith("ByUscc")]  # fmt: skip
    assert len(lookups) == 1, lookups
    lookup, subject_type = lookups[0]["name"], lookups[0]["type"]["name"]
    fields = _post(port, json.dumps({"query": (
        f'{{ __type(name: "{subject_type}") {{ fields {{ name }} }} }}')}).encode())  # fmt: skip
    relations = [f["name"] for f in fields["data"]["__type"]["fields"]
                 if f["name"].startswith("records") and f["name"].endswith("BySubjectId")]  # fmt: skip
    assert len(relations) == 1, relations
    return (
        f"query($code: String!) {{ {lookup}(uscc: $code) {{ name kind uscc {relations[0]}"
        f"(orderBy: [DECISION_DATE_DESC, ID_DESC]) {{ nodes {{ {THEIR_RECORD_FIELDS} }} }} }} }}"
    )


def _gunicorn_env(redis_url: str, cache_seconds: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "S3_BUCKET")}
    env.update(
        DJANGO_SETTINGS_MODULE="core.config.settings", DJANGO_DEBUG="0", PYTHONPATH=str(SERVER_ROOT),
        REDIS_URL=redis_url, GRAPHQL_RESPONSE_CACHE_SECONDS=str(cache_seconds),
    )  # fmt: skip
    return on_test_database(env)


def _start_gunicorn(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """gunicorn as production runs it (infra/gunicorn.conf.py: its worker class, threads and
    keep-alive) with 2 workers (BENCH_GUNICORN_THREADS overrides the threads; 1 means the sync
    worker, which closes the connection after every response), never recycled during the run;
    its output (one access line per request, as in production) to `log`."""
    port = free_port()
    config = SERVER_ROOT / "infra" / "gunicorn.conf.py"
    env = dict(
        env, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="2", GUNICORN_MAX_REQUESTS="0"
    )
    if os.environ.get("BENCH_GUNICORN_THREADS"):
        env["GUNICORN_THREADS"] = os.environ["BENCH_GUNICORN_THREADS"]
    with log.open("ab") as output:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", str(config), "core.config.wsgi:application",
             "--log-level", "warning"],
            cwd=SERVER_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    wait_for(lambda: port_open(port) or process.poll() is not None, "gunicorn", timeout=60)
    assert process.poll() is None, log.read_text(errors="replace")[-3000:]
    return process, port


def _redis_stats(url: str) -> tuple[int, int]:
    import redis

    stats = redis.Redis.from_url(url).info("stats")
    return int(stats["keyspace_hits"]), int(stats["keyspace_misses"])


# --- the benchmark ---------------------------------------------------------------------------


def _ours(answer: dict[str, Any]) -> tuple[str, str, list[dict[str, Any]]]:
    subject = answer["subject"]
    assert subject is not None
    return subject["name"], subject["code"], subject["records"]


def test_subject_api_against_postgraphile(
    tools: tuple[str, Path], codes: dict[str, Expected], tmp_path: Path
) -> None:
    wrk, modules = tools
    runs: dict[str, Run] = {}
    theirs_sample = next(iter(codes))

    # 1. The generator alone, against a trivial server answering a body of a typical size.
    port = free_port()
    trivial = json.dumps({"data": {"subject": {"name": "x" * 60, "records": ["y" * 170] * 10}}})
    server = _start_node(_node_env(port, modules, BENCH_TRIVIAL=trivial), port)
    try:
        bodies = {"x": b'{"query": "{ x }"}'}
        runs["wrk alone (trivial Node server)"] = _measure(
            wrk, port, _write_bodies(tmp_path, "trivial", bodies), server.pid, with_db=False
        )
    finally:
        stop_process(server)

    # 2. PostGraphile 4.
    port = free_port()
    server = _start_node(_node_env(port, modules), port)
    try:
        wait_for(lambda: _answers(port), "PostGraphile's schema", timeout=60)
        query = _their_query(port)
        print(f"PostGraphile query: {query}")
        bodies = {c: json.dumps({"query": query, "variables": {"code": c}}).encode() for c in codes}

        def theirs(answer: dict[str, Any]) -> tuple[str, str, list[dict[str, Any]]]:
            (subject,) = answer.values()
            assert subject is not None
            (relation,) = (v for k, v in subject.items() if k.startswith("records"))
            return subject["name"], subject["uscc"], relation["nodes"]

        their_records = _check_all(port, bodies, codes, theirs)
        runs["PostGraphile 4"] = _measure(
            wrk, port, _write_bodies(tmp_path, "theirs", bodies), server.pid
        )
        _check_all(port, dict(list(bodies.items())[:50]), codes, theirs)
    finally:
        stop_process(server)

    # 3. Ours, without and with the response cache.
    bodies = {c: json.dumps({"query": OURS, "variables": {"code": c}}).encode() for c in codes}
    ours_file = _write_bodies(tmp_path, "ours", bodies)
    redis = redis_start(db=0)
    try:
        for mode, cache_seconds in (("ours, misses", 0), ("ours, mixed", 300)):
            env = _gunicorn_env(redis.url, cache_seconds)
            server, port = _start_gunicorn(env, tmp_path / "gunicorn.log")
            try:
                our_records = _check_all(port, bodies, codes, _ours)
                hits_before, misses_before = _redis_stats(redis.url)
                run = _measure(wrk, port, ours_file, server.pid, profile=mode.split()[-1])
                hits, misses = _redis_stats(redis.url)
                hits, misses = hits - hits_before, misses - misses_before
                _check_all(port, dict(list(bodies.items())[:50]), codes, _ours)
                runs[mode] = replace(run, note=f"Redis gets: {hits:,} hits, {misses:,} misses")
            finally:
                stop_process(server)
    finally:
        redis.stop()

    # The same values for the fields both read from the same columns.
    for code in list(codes)[:50]:
        for ours_row, their_row in zip(our_records[code], their_records[code], strict=True):
            for field in SAME_FIELDS:
                assert ours_row[field] == their_row[field], (code, field, ours_row, their_row)
            assert Decimal(str(ours_row["fineWan"])) == Decimal(str(their_row["fineWan"]))
            assert ours_row["stateLabel"] == "公示中"
            assert their_row["disputedSince"] is None
    assert theirs_sample in our_records

    _print(runs)
    for name, run in runs.items():
        assert run.bad == 0, (name, run)
        assert run.socket_errors == 0, (name, run)
    reference = runs["PostGraphile 4"].per_second
    on_misses = runs["ours, misses"].per_second / reference
    on_mixed = runs["ours, mixed"].per_second / reference
    goals = (
        f"issue 25: misses {on_misses:.2f}× PostGraphile (goal ≥ {GOAL_MISSES}), "
        f"mixed {on_mixed:.2f}× (goal ≥ {GOAL_MIXED})"
    )
    assert on_misses >= GOAL_MISSES, goals
    assert on_mixed >= GOAL_MIXED, goals


def _answers(port: int) -> bool:
    try:
        return "data" in _post(port, b'{"query": "{ __typename }"}')
    except OSError:
        return False


def _print(runs: dict[str, Run]) -> None:
    reference = runs["PostGraphile 4"].per_second
    print(
        f"\n{SUBJECTS:,} subjects, {CODES:,} codes, {CONNECTIONS} connections, {SECONDS:.0f} s "
        f"measured; our server's code from {SERVER_ROOT}; CPU per request in ms (server tree / PostgreSQL backends of the test database / "
        "all postgres processes / wrk); PostgreSQL transactions per request"
    )
    print(f"{'server':34} {'req/s':>7} {'× PG':>5} {'p50 ms':>7} {'p99 ms':>7} {'server':>7} "
          f"{'backends':>8} {'all pg':>7} {'wrk':>6} {'tx/req':>6}  bad")  # fmt: skip
    for name, run in runs.items():
        ratio = f"{run.per_second / reference:5.2f}" if "wrk alone" not in name else "    -"
        print(
            f"{name:34} {run.per_second:7.0f} {ratio} {run.p50_ms:7.1f} {run.p99_ms:7.1f} "
            f"{run.server_ms:7.2f} {run.backends_ms:8.2f} {run.postgres_ms:7.2f} "
            f"{run.generator_ms:6.3f} {run.transactions:6.1f}  {run.bad + run.socket_errors}  {run.note}"
        )
