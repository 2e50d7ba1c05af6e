"""Sending a batch to an upstream platform over HTTPS (http.client) and reading its per-item
answer. The wire format is in docs/subsystems/upstream.md.

Every push checks its destination again (core/upstream/egress.py): the host on the operator's
list, resolved once, every address public; the connection then goes to those checked addresses,
with the host name for SNI, the certificate check and the Host header, so a DNS answer changed
after the check cannot move it. Redirects are never followed.

Failures come back as `UpstreamFailure` with a message a district admin can act on, and whether
trying again later may help (network trouble, 5xx, 429) or not (a refused token, a 4xx)."""

from __future__ import annotations

import http.client
import json
import ssl
from dataclasses import dataclass

from django.conf import settings

from core.upstream.egress import CheckedConnection, EgressRefused, destination_resolve

TIMEOUT_SECONDS = 30
MAX_ANSWER_BYTES = 16 * 1024 * 1024
MAX_REASON = 500
RETRYABLE_STATUS = {408, 425, 429}


class UpstreamFailure(Exception):
    """An attempt that got no usable answer."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class ItemAnswer:
    accepted: bool
    reason: str


def post_batch(
    *, url: str, token: str, batch_id: str, body: bytes, item_ids: set[int]
) -> dict[int, ItemAnswer]:
    """POST one batch to the endpoint's URL, checked again now; return upstream's answer for
    every item (by record id)."""
    try:
        destination = destination_resolve(url)
    except EgressRefused as refused:
        raise UpstreamFailure(refused.message, permanent=not refused.temporary) from refused
    try:
        connection = CheckedConnection(
            destination, timeout=TIMEOUT_SECONDS, ca_file=settings.UPSTREAM_CA_FILE
        )
    except OSError as error:  # an unreadable UPSTREAM_CA_FILE (ssl.SSLError is an OSError)
        raise UpstreamFailure(f"平台的证书校验配置有误，请联系运营方：{_reason(error)}") from error
    try:
        try:
            connection.connect()
        except ssl.SSLCertVerificationError as error:
            raise UpstreamFailure(
                f"上级平台的HTTPS证书未通过校验：{error.verify_message}"
            ) from error
        except TimeoutError as error:
            raise UpstreamFailure(f"上级平台在{TIMEOUT_SECONDS}秒内没有应答") from error
        except OSError as error:
            raise UpstreamFailure(f"无法连接上级平台：{_reason(error)}") from error
        try:
            connection.request("POST", destination.target, body=body, headers={
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": batch_id,
                "User-Agent": "credit-platform-upstream/1",
            })  # fmt: skip
            answer = connection.getresponse()
            ok = 200 <= answer.status < 300
            raw = answer.read(MAX_ANSWER_BYTES + 1 if ok else 4096)
        except TimeoutError as error:
            raise UpstreamFailure(f"上级平台在{TIMEOUT_SECONDS}秒内没有应答") from error
        except (http.client.HTTPException, OSError) as error:
            raise UpstreamFailure(f"与上级平台的连接中断：{_reason(error)}") from error
    finally:
        connection.close()
    if not ok:
        raise _refusal(answer.status, raw)
    if len(raw) > MAX_ANSWER_BYTES:
        raise UpstreamFailure("上级平台的应答过大，无法读取")
    return parse_answer(raw, batch_id=batch_id, item_ids=item_ids)


def _reason(error: Exception) -> str:
    return str(error.strerror if isinstance(error, OSError) and error.strerror else error)


def _detail(raw: bytes) -> str:
    """Upstream's own explanation, when its error body is JSON with one. Other bodies are not
    shown: a page from some other server should not come back through this message."""
    try:
        data = json.loads(raw.decode("utf-8", errors="replace"))
    except ValueError:
        return ""
    if isinstance(data, dict):
        for key in ("message", "error", "detail"):
            if isinstance(data.get(key), str) and data[key].strip():
                return f"：{data[key].strip()[:200]}"
    return ""


def _refusal(code: int, raw: bytes) -> UpstreamFailure:
    detail = _detail(raw)
    if code in (401, 403):
        return UpstreamFailure(
            f"上级平台拒绝了访问令牌（HTTP {code}）{detail}。请核对访问令牌后重新发送",
            permanent=True,
        )
    if 300 <= code < 400:
        return UpstreamFailure(
            f"上级平台要求跳转到其他地址（HTTP {code}），为保护令牌和数据未跟随。请联系运营方核对上报地址",
            permanent=True,
        )
    if code >= 500 or code in RETRYABLE_STATUS:
        return UpstreamFailure(f"上级平台暂时无法处理（HTTP {code}）{detail}")
    return UpstreamFailure(f"上级平台拒收整个批次（HTTP {code}）{detail}", permanent=True)


def parse_answer(raw: bytes, *, batch_id: str, item_ids: set[int]) -> dict[int, ItemAnswer]:
    """Upstream's answer: `{"batch_id": …, "results": [{"id": …, "status": "accepted" |
    "rejected", "reason": …}]}` with a result for every item sent."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise UpstreamFailure("上级平台的应答不是有效的JSON") from error
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise UpstreamFailure("上级平台的应答缺少逐条处理结果（results）")
    answered = data.get("batch_id")
    if answered is not None and str(answered) != batch_id:
        raise UpstreamFailure(f"上级平台应答的批次号（{str(answered)[:40]}）与所发批次不符")
    answers: dict[int, ItemAnswer] = {}
    for entry in data["results"]:
        item_id = entry.get("id") if isinstance(entry, dict) else None
        status = entry.get("status") if isinstance(entry, dict) else None
        if (
            not isinstance(item_id, int)
            or item_id not in item_ids
            or status not in ("accepted", "rejected")
        ):
            raise UpstreamFailure(
                f"上级平台的应答中有无法识别的处理结果：{json.dumps(entry, ensure_ascii=False)[:100]}"
            )
        reason = entry.get("reason")
        reason = reason.strip()[:MAX_REASON] if isinstance(reason, str) else ""
        accepted = status == "accepted"
        answers[item_id] = ItemAnswer(accepted, "" if accepted else reason or "上级平台未说明原因")
    missing = len(item_ids - answers.keys())
    if missing:
        raise UpstreamFailure(f"上级平台的应答缺少{missing}条记录的处理结果")
    return answers
