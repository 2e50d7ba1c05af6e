"""Building batches and pushing them to a real upstream HTTP server: idempotency, per-item
results, retries with backoff, and withdrawals and repairs reported after the records were."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.audit.models import AuditEntry
from core.catalog.models import Department
from core.common.actors import Actor
from core.common.errors import Conflict, PermissionDenied, ValidationFailed
from core.records.models import Record
from core.records.services import record_withdraw
from core.upstream.enums import OutboxBatchStatus
from core.upstream.models import OutboxBatch, OutboxItem, UpstreamEndpoint
from core.upstream.services import (
    EndpointChanges,
    outbox_batch_resend,
    outbox_batch_send,
    outbox_batches_build,
    outbox_batches_send_due,
    upstream_endpoint_update,
)
from core.upstream.tasks import outbox_batches_send_due_everywhere_task
from provisioning.services.upstream import district_upstream_endpoint_set
from tenants.models import District, PlatformAuditEntry
from tests.conftest import make_staff
from tests.core.collection.files import DEPARTMENT_CODE, penalty, uscc
from tests.core.upstream.conftest import at, store
from tests.support.upstream_server import TOKEN, UpstreamServer

NOVEMBER = {"start": date(2026, 11, 1), "end": date(2026, 11, 27)}
SYSTEM = Actor.system("upstream-push")


@pytest.fixture
def build(
    admin: User, endpoint: UpstreamEndpoint, django_capture_on_commit_callbacks: Any
) -> Callable[..., list[OutboxBatch]]:
    """Build batches for November as the admin; the send task runs after commit (in-process)."""

    def run(**period: date) -> list[OutboxBatch]:
        with django_capture_on_commit_callbacks(execute=True):
            batches = outbox_batches_build(
                actor=admin, endpoint_id=endpoint.pk, **{**NOVEMBER, **period}
            )
        return [OutboxBatch.objects.get(pk=b.pk) for b in batches]

    return run


def results(batch: OutboxBatch) -> list[tuple[int, str, str, str]]:
    return list(
        OutboxItem.objects.filter(batch=batch)
        .order_by("id")
        .values_list("record_id", "action", "result", "reason")
    )


def due_now(batch: OutboxBatch) -> None:
    """Let the batch's retry time arrive (the clock moves on, the data does not change)."""
    OutboxBatch.objects.filter(pk=batch.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_a_batch_is_pushed_once_with_its_id_and_upstream_answers_each_record(
    department: Department, upstream: UpstreamServer, build: Callable[..., list[OutboxBatch]]
) -> None:
    first, second, third = store(department, "CF", [penalty(1), penalty(2), penalty(3)], at(20))
    upstream.reject = lambda item: (
        "统一社会信用代码与登记信息不符" if item["id"] == second.pk else None
    )

    (batch,) = build()

    assert (batch.status, batch.attempts, batch.item_count, batch.accepted, batch.rejected) == (
        OutboxBatchStatus.DONE, 1, 3, 2, 1,
    )  # fmt: skip
    assert (batch.last_error, batch.next_attempt_at, batch.failures_in_row) == ("", None, 0)
    assert results(batch) == [
        (first.pk, "add", "accepted", ""),
        (second.pk, "add", "rejected", "统一社会信用代码与登记信息不符"),
        (third.pk, "add", "accepted", ""),
    ]
    (request,) = upstream.requests
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Idempotency-Key"] == str(batch.batch_id)
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    body = request.body
    assert {k: v for k, v in body.items() if k != "items"} == {
        "format": "shuanggongshi.v1",
        "district": {"name": "万州区", "region_code": "500101"},
        "period": {"basis": "change_date", "start": "2026-11-01", "end": "2026-11-27"},
        "batch_id": str(batch.batch_id),
        "created_at": timezone.localtime(batch.created_at).isoformat(),
    }
    assert [(i["id"], i["kind"], i["action"], i["fields"]["CF_WSH"]) for i in body["items"]] == [
        (first.pk, "CF", "add", "万州市监罚〔2026〕1号"),
        (second.pk, "CF", "add", "万州市监罚〔2026〕2号"),
        (third.pk, "CF", "add", "万州市监罚〔2026〕3号"),
    ]
    assert upstream.published == {
        ("CF", "万州市监罚〔2026〕1号", DEPARTMENT_CODE): "add",
        ("CF", "万州市监罚〔2026〕3号", DEPARTMENT_CODE): "add",
    }
    assert list(
        AuditEntry.objects.filter(action__startswith="upstream.batch")
        .order_by("id")
        .values_list("action", "details__items")
    ) == [("upstream.batch.build", 3), ("upstream.batch.done", None)]


def test_a_batch_sent_again_after_a_lost_answer_is_not_applied_twice(
    department: Department, upstream: UpstreamServer, build: Callable[..., list[OutboxBatch]]
) -> None:
    first, second = store(department, "CF", [penalty(1), penalty(2)], at(20))
    upstream.lose_answers = 1  # applied upstream, but the answer never arrives

    (batch,) = build()

    assert (batch.status, batch.attempts) == (OutboxBatchStatus.RETRYING, 1)
    assert batch.last_error == "上级平台暂时无法处理（HTTP 502）：网关超时"
    due_now(batch)
    (batch,) = outbox_batches_send_due(actor=SYSTEM)

    assert (batch.status, batch.attempts, batch.accepted, batch.rejected) == (
        OutboxBatchStatus.DONE, 2, 2, 0,
    )  # fmt: skip
    assert [r.headers["Idempotency-Key"] for r in upstream.requests] == [str(batch.batch_id)] * 2
    assert upstream.requests[0].raw == upstream.requests[1].raw  # the same bytes each time
    assert upstream.applied == [
        (str(batch.batch_id), first.pk, "add"),
        (str(batch.batch_id), second.pk, "add"),
    ]


def test_an_answer_that_leaves_records_out_is_not_taken_and_the_batch_is_sent_again(
    department: Department, upstream: UpstreamServer, build: Callable[..., list[OutboxBatch]]
) -> None:
    store(department, "CF", [penalty(1), penalty(2)], at(20))
    upstream.short_answers = 1

    (batch,) = build()

    assert (batch.status, batch.last_error) == (
        OutboxBatchStatus.RETRYING, "上级平台的应答缺少1条记录的处理结果",
    )  # fmt: skip
    assert set(OutboxItem.objects.filter(batch=batch).values_list("result", flat=True)) == {
        "pending"
    }
    due_now(batch)
    (batch,) = outbox_batches_send_due(actor=SYSTEM)
    assert (batch.status, batch.attempts, batch.accepted) == (OutboxBatchStatus.DONE, 2, 2)
    assert len(upstream.applied) == 2


def test_failures_are_retried_with_exponential_backoff(
    department: Department, upstream: UpstreamServer, build: Callable[..., list[OutboxBatch]]
) -> None:
    store(department, "CF", [penalty(1)], at(20))
    upstream.fail_next = 2

    (batch,) = build()

    assert (batch.status, batch.attempts, batch.failures_in_row) == (
        OutboxBatchStatus.RETRYING,
        1,
        1,
    )
    assert batch.last_error == "上级平台暂时无法处理（HTTP 503）：系统维护中"
    assert batch.last_attempt_at is not None
    assert batch.next_attempt_at is not None
    assert batch.next_attempt_at - batch.last_attempt_at == timedelta(minutes=1)
    assert outbox_batches_send_due(actor=SYSTEM) == []  # not due yet: nothing is sent
    assert len(upstream.requests) == 1

    due_now(batch)
    (batch,) = outbox_batches_send_due(actor=SYSTEM)
    assert (batch.status, batch.attempts, batch.failures_in_row) == (
        OutboxBatchStatus.RETRYING,
        2,
        2,
    )
    assert batch.last_attempt_at is not None
    assert batch.next_attempt_at is not None
    assert batch.next_attempt_at - batch.last_attempt_at == timedelta(minutes=2)

    due_now(batch)
    (batch,) = outbox_batches_send_due(actor=SYSTEM)
    assert (batch.status, batch.attempts, batch.failures_in_row, batch.accepted) == (
        OutboxBatchStatus.DONE, 3, 0, 1,
    )  # fmt: skip
    assert batch.last_error == ""
    assert len(upstream.requests) == 3
    assert list(
        AuditEntry.objects.filter(action="upstream.batch.attempt_failed")
        .order_by("id")
        .values_list("details__attempt", "details__gave_up")
    ) == [(1, False), (2, False)]


def test_retries_stop_after_ten_failures_in_a_row(
    department: Department, upstream: UpstreamServer, build: Callable[..., list[OutboxBatch]]
) -> None:
    store(department, "CF", [penalty(1)], at(20))
    upstream.fail_next = 100

    (batch,) = build()
    for _ in range(9):
        due_now(batch)
        (batch,) = outbox_batches_send_due(actor=SYSTEM)

    assert (batch.status, batch.attempts, batch.next_attempt_at) == (
        OutboxBatchStatus.FAILED,
        10,
        None,
    )
    assert batch.last_error == "上级平台暂时无法处理（HTTP 503）：系统维护中"
    due_now(batch)
    assert outbox_batches_send_due(actor=SYSTEM) == []
    assert len(upstream.requests) == 10


def test_a_refused_token_fails_at_once_and_the_admin_resends_after_fixing_it(
    department: Department,
    admin: User,
    endpoint: UpstreamEndpoint,
    upstream: UpstreamServer,
    build: Callable[..., list[OutboxBatch]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    store(department, "CF", [penalty(1)], at(20))
    upstream.token = "rotated-token"

    (batch,) = build()

    assert (batch.status, batch.attempts, batch.next_attempt_at) == (
        OutboxBatchStatus.FAILED,
        1,
        None,
    )
    assert batch.last_error == (
        "上级平台拒绝了访问令牌（HTTP 401）：访问令牌无效。请核对访问令牌后重新发送"
    )
    with pytest.raises(Conflict, match="尚未完成上报：请等待其完成，发送失败的请先重新发送"):
        build()

    upstream_endpoint_update(
        actor=admin,
        endpoint_id=endpoint.pk,
        changes=EndpointChanges(token="rotated-token", enabled=True),
    )
    with django_capture_on_commit_callbacks(execute=True):
        outbox_batch_resend(actor=admin, batch_pk=batch.pk)

    batch.refresh_from_db()
    assert (batch.status, batch.attempts, batch.accepted) == (OutboxBatchStatus.DONE, 2, 1)
    with pytest.raises(Conflict, match="该批次已完成，无需重新发送"):
        outbox_batch_resend(actor=admin, batch_pk=batch.pk)


def test_nothing_is_sent_twice_and_later_withdrawals_and_repairs_follow(
    department: Department, upstream: UpstreamServer, build: Callable[..., list[OutboxBatch]]
) -> None:
    withdrawn, repaired, corrected, refused, unchanged = store(
        department, "CF", [penalty(n) for n in range(1, 6)], at(20)
    )
    upstream.reject = lambda item: "文书号格式不符" if item["id"] == refused.pk else None
    (first,) = build(end=date(2026, 11, 21))

    assert build(end=date(2026, 11, 21)) == []  # the same period again: all reported already
    assert len(upstream.requests) == 1

    reviewer = make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER)
    for record in (withdrawn, refused):
        record_withdraw(record=record, user=reviewer, reason="原处罚决定已撤销",
                        revoked_on=date(2026, 11, 24))  # fmt: skip
    Record.objects.filter(pk__in=[withdrawn.pk, refused.pk]).update(withdrawn_at=at(25))
    Record.objects.filter(pk=repaired.pk).update(repaired_at=at(26))
    store(department, "CF", [penalty(3, NR="罚款人民币叁仟元整", NR_FK="0.3")], at(26))

    (second,) = build(start=date(2026, 11, 21))

    assert results(second) == [
        (withdrawn.pk, "withdraw", "accepted", ""),
        (repaired.pk, "repair", "accepted", ""),
        (corrected.pk, "add", "accepted", ""),
    ]
    assert (
        OutboxItem.objects.get(batch=second, record=corrected).payload["fields"]["CF_NR_FK"]
        == "0.3"
    )
    # The refused record was never published upstream, so its withdrawal is not sent; the
    # unchanged one is not sent again.
    assert upstream.published == {
        ("CF", "万州市监罚〔2026〕1号", DEPARTMENT_CODE): "withdraw",
        ("CF", "万州市监罚〔2026〕2号", DEPARTMENT_CODE): "repair",
        ("CF", "万州市监罚〔2026〕3号", DEPARTMENT_CODE): "add",
        ("CF", "万州市监罚〔2026〕5号", DEPARTMENT_CODE): "add",
    }
    assert [a for _, record_id, a in upstream.applied if record_id == unchanged.pk] == ["add"]
    assert build(start=date(2026, 11, 1)) == []  # everything reported, whatever the period


def test_batches_split_at_the_size_limit_and_every_due_one_is_sent(
    department: Department,
    upstream: UpstreamServer,
    build: Callable[..., list[OutboxBatch]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from core.upstream.services import building

    monkeypatch.setattr(building, "MAX_ITEMS_PER_BATCH", 2)
    monkeypatch.setattr(building, "BUILD_CHUNK", 3)  # candidates read three at a time
    store(department, "CF", [penalty(n) for n in range(1, 6)], at(20))

    batches = build()

    assert [(b.item_count, b.status) for b in batches] == [(2, "done"), (2, "done"), (1, "done")]
    assert len({b.batch_id for b in batches}) == 3
    assert len({record_id for _, record_id, _ in upstream.applied}) == 5


def test_beat_sends_due_batches_in_every_district_that_has_some(
    department: Department, upstream: UpstreamServer, build: Callable[..., list[OutboxBatch]]
) -> None:
    store(department, "CF", [penalty(1)], at(20))
    upstream.fail_next = 1
    (batch,) = build()
    assert batch.status == OutboxBatchStatus.RETRYING

    assert outbox_batches_send_due_everywhere_task.apply().get() == []  # not due yet
    due_now(batch)
    assert outbox_batches_send_due_everywhere_task.apply().get() == ["wanzhou"]

    batch.refresh_from_db()
    assert (batch.status, batch.attempts) == (OutboxBatchStatus.DONE, 2)


def test_a_batch_held_by_another_sender_or_finished_is_left_alone(
    department: Department, upstream: UpstreamServer, build: Callable[..., list[OutboxBatch]]
) -> None:
    store(department, "CF", [penalty(1)], at(20))
    upstream.fail_next = 1
    (batch,) = build()
    OutboxBatch.objects.filter(pk=batch.pk).update(
        status=OutboxBatchStatus.SENDING, next_attempt_at=timezone.now() + timedelta(minutes=4)
    )

    assert outbox_batch_send(batch_pk=batch.pk, actor=SYSTEM).attempts == 1
    due_now(batch)  # the other sender's lease ran out (a stopped worker)
    assert outbox_batch_send(batch_pk=batch.pk, actor=SYSTEM).status == OutboxBatchStatus.DONE
    assert outbox_batch_send(batch_pk=batch.pk, actor=SYSTEM).attempts == 2
    assert len(upstream.requests) == 2


def test_the_operator_sets_the_endpoint_and_its_url_is_checked(
    wanzhou: District, department: Department, upstream: UpstreamServer
) -> None:
    operator = Actor.cli()

    def configure(name: str = "信用中国", url: str = upstream.url) -> UpstreamEndpoint:
        return district_upstream_endpoint_set(district=wanzhou, name=name, url=url, actor=operator)

    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"name": "中"}, "名称应为2–50字", "INVALID"),
        ({"url": "ftp://upstream.example/x"}, "上报地址须使用 HTTPS（https:// 开头）", "NOT_HTTPS"),
        ({"url": upstream.url.replace("https:", "http:")}, "上报地址须使用 HTTPS（https:// 开头）",
         "NOT_HTTPS"),
        ({"url": "file:///etc/passwd"}, "上报地址应为 https:// 开头的完整网址", "BAD_URL"),
        ({"url": "https://ops:secret@localhost/x"}, "上报地址中不能包含用户名或密码", "BAD_URL"),
        ({"url": "https://creditchina.example/api"},
         "主机“creditchina.example”不在运营方允许的上报地址清单中", "HOST_NOT_ALLOWED"),
    ]  # fmt: skip
    for changes, message, code in cases:
        with pytest.raises(ValidationFailed) as caught:
            configure(**changes)
        assert (caught.value.message, caught.value.code) == (message, code)
    assert UpstreamEndpoint.objects.count() == 0

    saved = configure()

    assert (saved.name, saved.url, saved.token, saved.enabled) == ("信用中国", upstream.url, "",
                                                                  False)  # fmt: skip
    assert list(
        PlatformAuditEntry.objects.filter(action="district.upstream_endpoint_set").values_list(
            "actor_label", "district_schema", "details"
        )
    ) == [
        (operator.label, "wanzhou", {"endpoint": "信用中国", "url": upstream.url,
                                     "previous_url": None, "enabled": False}),
    ]  # fmt: skip
    assert AuditEntry.objects.filter(action="upstream.endpoint.configure").get().details == {
        "endpoint": saved.pk, "name": "信用中国", "url": upstream.url, "previous_url": "",
        "created": True, "enabled": False,
    }  # fmt: skip
    # An empty URL stops pushing.
    UpstreamEndpoint.objects.filter(pk=saved.pk).update(token="t0k3n", enabled=True)
    stopped = configure(url="")
    assert (stopped.pk, stopped.url, stopped.enabled, stopped.token) == (saved.pk, "", False,
                                                                         "t0k3n")  # fmt: skip


def test_the_district_admin_sets_only_the_token_pushing_and_source(
    wanzhou: District, admin: User, department: Department, upstream: UpstreamServer
) -> None:
    saved = district_upstream_endpoint_set(
        district=wanzhou, name="信用中国", url="", actor=Actor.cli()
    )

    def update(**changes: Any) -> UpstreamEndpoint:
        values = {"token": "t0k3n", "enabled": True, **changes}
        return upstream_endpoint_update(
            actor=admin, endpoint_id=saved.pk, changes=EndpointChanges(**values)
        )

    cases: list[tuple[dict[str, Any], str]] = [
        ({}, "运营方尚未设置该平台的上报地址，暂不能启用推送"),
        ({"token": "两个 词"}, "访问令牌只能包含英文字母、数字和符号，不能有空格或中文"),
        ({"enabled": False, "source_code": "91110000100001825N"}, "上级平台统一社会信用代码有误："),
        (
            {"enabled": False, "source_code": DEPARTMENT_CODE},
            f"统一社会信用代码{DEPARTMENT_CODE}已登记为本区县部门“重庆市万州区市场监督管理局”，"
            "不能作为上级平台来源",
        ),
    ]
    for changes, message in cases:
        with pytest.raises(ValidationFailed) as caught:
            update(**changes)
        assert caught.value.message.startswith(message)
    district_upstream_endpoint_set(
        district=wanzhou, name="信用中国", url=upstream.url, actor=Actor.cli()
    )
    with pytest.raises(ValidationFailed, match="^启用推送须填写访问令牌$"):
        update(token=None)

    updated = update(source_code=uscc(9, head="11100000"))

    assert (updated.url, updated.enabled, updated.token) == (upstream.url, True, "t0k3n")
    assert updated.department is not None
    assert (updated.department.name, updated.department.is_upstream) == (
        "信用中国（上级平台）", True,
    )  # fmt: skip
    kept = upstream_endpoint_update(
        actor=admin, endpoint_id=saved.pk, changes=EndpointChanges(token=None, enabled=False)
    )
    assert (kept.token, kept.url, kept.enabled, kept.department_id) == (
        "t0k3n", upstream.url, False, updated.department_id,
    )  # fmt: skip
    entries = AuditEntry.objects.filter(action="upstream.endpoint.update").order_by("id")
    assert [e.details["token_changed"] for e in entries] == [True, False]
    assert "t0k3n" not in json.dumps([e.details for e in entries])
    reviewer = make_staff("wanzhou", "reviewer@wanzhou.test", StaffRole.REVIEWER)
    with pytest.raises(PermissionDenied):
        upstream_endpoint_update(
            actor=reviewer, endpoint_id=saved.pk, changes=EndpointChanges(token="x", enabled=False)
        )


def test_a_finished_batch_keeps_peoples_numbers_masked(
    department: Department, upstream: UpstreamServer, build: Callable[..., list[OutboxBatch]]
) -> None:
    person = penalty(1, XDR_MC="李四", XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM="11010519491231002X")
    store(department, "CF", [person], at(20))

    (batch,) = build()

    (request,) = upstream.requests
    assert request.body["items"][0]["fields"]["CF_XDR_ZJHM"] == "11010519491231002X"  # as owed
    (item,) = OutboxItem.objects.filter(batch=batch)
    assert (batch.status, item.payload["fields"]["CF_XDR_ZJHM"]) == (
        OutboxBatchStatus.DONE, "1101**********002X",
    )  # fmt: skip
    assert item.payload["fields"]["CF_WSH"] == "万州市监罚〔2026〕1号"
