"""The load generator of tests/bench/test_load.py, run by locust in its own process (gevent; it
monkey-patches the standard library, so nothing here imports Django or the project).

Every simulated client picks a district at random for each request and sends its Host, so the two
web workers switch schemas between consecutive requests. Every answer is checked against the
district of the Host it was sent with: the answer must carry that district's own marks (platform
name, the subject asked for, the district's slug in GraphQL) and none of another district's
(platform name, district name: every company name, authority and document number carries it).
Outcomes and latencies per traffic kind go to LOAD_RESULTS (JSON) when locust quits.

Reads LOAD_MANIFEST (written by the test): districts with host, marks, subjects and the bank's key.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from collections import Counter, defaultdict
from typing import Any

from locust import FastHttpUser, between, events, task
from locust.env import Environment

MANIFEST: dict[str, Any] = json.loads(
    open(os.environ["LOAD_MANIFEST"], encoding="utf-8").read()  # noqa: SIM115
)
DISTRICTS: list[dict[str, Any]] = MANIFEST["districts"]
FOREIGN: dict[str, list[str]] = {
    d["slug"]: [m for other in MANIFEST["all_marks"] if other["slug"] != d["slug"] for m in other["marks"]]
    for d in DISTRICTS
}  # fmt: skip
CROSS = "cross-district: "

DISTRICT_QUERY = "{ district { slug name theme { platformName } } }"
SUBJECT_QUERY = "query($code: String!) { subject(code: $code) { name code records { docNumber } } }"
SCORE_MUTATION = (
    "mutation($codes: [String!]!, $key: String!) { scorePurchase(data: {subjectCodes: $codes, "
    'purpose: "授信审查", idempotencyKey: $key}) { scores { code name score grade } notFound '
    "charge { units amountYuan } errors { code message } } }"
)
REPORT_MUTATION = (
    "mutation($code: String!, $key: String!) { reportPurchase(data: {product: BASIC_REPORT, "
    'subjectCode: $code, purpose: "贷款审查", idempotencyKey: $key}) { report { number content } '
    "charge { units amountYuan } errors { code message } } }"
)

# What the test reads back: latencies (ms) and outcomes per kind, purchases served per district.
latencies: dict[str, list[float]] = defaultdict(list)
outcomes: dict[str, Counter[str]] = defaultdict(Counter)
served: dict[str, Counter[str]] = defaultdict(Counter)
problems: list[str] = []
window: dict[str, float] = {}


class Wrong(Exception):
    """The answer is wrong (status, errors, missing content): an error."""


class Crossed(Exception):
    """The answer belongs to another district."""


def _foreign(slug: str, text: str) -> None:
    for mark in FOREIGN[slug]:
        if mark in text:
            raise Crossed(f"{slug}: {mark!r} in the answer")


def _page(district: dict[str, Any], status: int, text: str, *expected: str) -> None:
    if status != 200:
        raise Wrong(f"HTTP {status}")
    _foreign(district["slug"], text)
    for mark in (district["platform"], *expected):
        if mark not in text:
            raise Wrong(f"{mark!r} missing")


def _graphql(district: dict[str, Any], status: int, text: str) -> dict[str, Any]:
    if status != 200:
        raise Wrong(f"HTTP {status}: {text[:200]}")
    _foreign(district["slug"], text)
    body: dict[str, Any] = json.loads(text)
    if body.get("errors"):
        raise Wrong(f"GraphQL errors: {body['errors']}")
    data: dict[str, Any] = body["data"]
    return data


class DistrictVisitor(FastHttpUser):
    """The public (portal and anonymous GraphQL) and a bank's credit system (metered purchases)."""

    wait_time = between(
        float(os.environ.get("LOAD_WAIT_MIN", "0.05")), float(os.environ.get("LOAD_WAIT_MAX", "0.5"))
    )  # fmt: skip
    network_timeout = 30.0
    connection_timeout = 10.0

    def _call(
        self, kind: str, district: dict[str, Any], path: str, body: dict[str, Any] | None,
        check: Any, *, key: bool = False,
    ) -> None:  # fmt: skip
        headers = {"Host": district["host"]}
        if key:
            headers["Authorization"] = f"Bearer {district['secret']}"
        if body is None:
            request = self.client.get(path, headers=headers, name=kind, catch_response=True)
        else:
            request = self.client.post(path, data=json.dumps(body),
                                       headers={**headers, "Content-Type": "application/json"},
                                       name=kind, catch_response=True)  # fmt: skip
        with request as response:
            text = response.text or ""
            try:
                check(district, response.status_code, text)
            except Crossed as crossed:
                response.failure(f"{CROSS}{crossed}")
                return
            except (Wrong, ValueError, KeyError, TypeError, IndexError) as wrong:
                response.failure(f"{type(wrong).__name__}: {wrong}"[:300])
                return
            response.success()

    @task(3)
    def portal_home(self) -> None:
        self._call("portal home", random.choice(DISTRICTS), "/", None, _page)

    @task(2)
    def portal_search(self) -> None:
        district = random.choice(DISTRICTS)
        self._call("portal search", district, district["search_path"], None,
                   lambda d, s, t: _page(d, s, t, d["search_hit"]))  # fmt: skip

    @task(3)
    def portal_subject(self) -> None:
        district = random.choice(DISTRICTS)
        subject = random.choice(district["subjects"])
        self._call("portal subject", district, f"/subjects/{subject['id']}/", None,
                   lambda d, s, t: _page(d, s, t, subject["name"]))  # fmt: skip

    @task(1)
    def portal_red_list(self) -> None:
        self._call("portal red list", random.choice(DISTRICTS), "/lists/red/", None,
                   lambda d, s, t: _page(d, s, t, d["red"]))  # fmt: skip

    @task(1)
    def portal_black_list(self) -> None:
        self._call("portal black list", random.choice(DISTRICTS), "/lists/black/", None,
                   lambda d, s, t: _page(d, s, t, d["black"]))  # fmt: skip

    @task(3)
    def graphql_district(self) -> None:
        def check(d: dict[str, Any], status: int, text: str) -> None:
            profile = _graphql(d, status, text)["district"]
            if profile["slug"] != d["slug"] or profile["theme"]["platformName"] != d["platform"]:
                raise Crossed(f"{d['slug']}: district answered {profile}")

        self._call("graphql district", random.choice(DISTRICTS), "/graphql/",
                   {"query": DISTRICT_QUERY}, check)  # fmt: skip

    @task(3)
    def graphql_subject(self) -> None:
        district = random.choice(DISTRICTS)
        subject = random.choice(district["subjects"])

        def check(d: dict[str, Any], status: int, text: str) -> None:
            found = _graphql(d, status, text)["subject"]
            if found is None:
                raise Wrong(f"subject {subject['code']} not found")
            if found["name"] != subject["name"] or found["code"] != subject["code"]:
                raise Crossed(f"{d['slug']}: subject answered {found['name']}")
            if not found["records"] or any(
                d["name"] not in r["docNumber"] for r in found["records"]
            ):
                raise Wrong(f"records {found['records']}")

        self._call("graphql subject", district, "/graphql/",
                   {"query": SUBJECT_QUERY, "variables": {"code": subject["code"]}}, check)  # fmt: skip

    @task(2)
    def purchase_score(self) -> None:
        district = random.choice(DISTRICTS)
        subject = random.choice(district["subjects"])

        def check(d: dict[str, Any], status: int, text: str) -> None:
            paid = _graphql(d, status, text)["scorePurchase"]
            if paid["errors"] or paid["notFound"] or not paid["scores"]:
                raise Wrong(f"scorePurchase: {paid}")
            if paid["scores"][0]["name"] != subject["name"]:
                raise Crossed(f"{d['slug']}: score of {paid['scores'][0]['name']}")
            served[d["slug"]]["score_query"] += paid["charge"]["units"]

        variables = {"codes": [subject["code"]], "key": uuid.uuid4().hex}
        self._call("purchase score", district, "/graphql/",
                   {"query": SCORE_MUTATION, "variables": variables}, check, key=True)  # fmt: skip

    @task(1)
    def purchase_report(self) -> None:
        district = random.choice(DISTRICTS)
        subject = random.choice(district["subjects"])

        def check(d: dict[str, Any], status: int, text: str) -> None:
            paid = _graphql(d, status, text)["reportPurchase"]
            if paid["errors"] or paid["report"] is None:
                raise Wrong(f"reportPurchase: {paid['errors']}")
            if paid["report"]["content"]["cover"]["name"] != subject["name"]:
                raise Crossed(
                    f"{d['slug']}: report on {paid['report']['content']['cover']['name']}"
                )
            served[d["slug"]]["basic_report"] += paid["charge"]["units"]

        variables = {"code": subject["code"], "key": uuid.uuid4().hex}
        self._call("purchase report", district, "/graphql/",
                   {"query": REPORT_MUTATION, "variables": variables}, check, key=True)  # fmt: skip


@events.test_start.add_listener  # locust's are untyped
def _started(environment: Environment, **kwargs: Any) -> None:
    window["start"] = time.time()


@events.request.add_listener  # locust's are untyped
def _recorded(
    name: str, response_time: float, exception: BaseException | None, **kwargs: Any
) -> None:
    latencies[name].append(response_time)
    if exception is None:
        outcomes[name]["ok"] += 1
        return
    message = str(exception)
    outcomes[name]["cross" if message.startswith(CROSS) else "error"] += 1
    if len(problems) < 50:
        problems.append(f"{name}: {message}"[:400])


@events.quitting.add_listener  # locust's are untyped
def _write(environment: Environment, **kwargs: Any) -> None:
    # The clock stops when locust stops the users, before it quits (it may wait for stragglers).
    stopped = window.get("stop", time.time())
    result = {
        "seconds": stopped - window.get("start", stopped),
        "latencies_ms": latencies,
        "outcomes": {k: dict(v) for k, v in outcomes.items()},
        "served": {k: dict(v) for k, v in served.items()},
        "problems": problems,
    }
    with open(os.environ["LOAD_RESULTS"], "w", encoding="utf-8") as out:
        json.dump(result, out, ensure_ascii=False)


@events.test_stop.add_listener  # locust's are untyped
def _stopped(environment: Environment, **kwargs: Any) -> None:
    window["stop"] = time.time()
