"""Render tokens: the anti-bot proof a public form carries back.

A token is signed when the form is rendered (a random id and the time). When the form comes back
the token must be genuine, no older than its max age and no younger than a person takes to fill
the form in; and it is good for one submission only: spending it adds its id to the cache with an
atomic add that expires with the token, so a replayed form is refused."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from django.core import signing
from django.core.cache import cache

from core.common.errors import ValidationFailed
from core.common.softcache import CACHE_ERRORS

NOT_HUMAN = "提交未通过校验，请稍候片刻后重新提交"
EXPIRED = "页面已过期，请刷新页面后重新填写"
SPENT = "该表单已提交过，请勿重复提交；如需再次提交，请刷新页面后重新填写"


@dataclass(frozen=True)
class RenderToken:
    id: str
    issued_at: float


def render_token_issue(*, salt: str) -> str:
    """A new token for a form rendered now."""
    return signing.dumps({"id": secrets.token_hex(16), "at": time.time()}, salt=salt)


def render_token_read(raw: str, *, salt: str, max_age: int, min_seconds: float) -> RenderToken:
    """The token a form came back with; ValidationFailed if it is forged, expired or came back
    sooner than a person fills the form in. Does not spend it."""
    try:
        payload = signing.loads(raw, salt=salt, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ValidationFailed(EXPIRED, code="EXPIRED") from exc
    except signing.BadSignature as exc:
        raise ValidationFailed(NOT_HUMAN, code="NOT_HUMAN") from exc
    if not (
        isinstance(payload, dict)
        and isinstance(payload.get("id"), str)
        and isinstance(payload.get("at"), int | float)
    ):
        raise ValidationFailed(NOT_HUMAN, code="NOT_HUMAN")
    token = RenderToken(id=payload["id"], issued_at=float(payload["at"]))
    if time.time() - token.issued_at < min_seconds:
        raise ValidationFailed(NOT_HUMAN, code="NOT_HUMAN")
    return token


def render_token_spend(token: RenderToken, *, scope: str, max_age: int) -> None:
    """Use the token up; ValidationFailed if it was used before. Kept for `max_age` (after which
    the token is refused as expired anyway). Without the cache the rule cannot be kept: refuse."""
    try:
        first = cache.add(f"{scope}-render-token:{token.id}", 1, max_age)
    except CACHE_ERRORS as error:
        raise ValidationFailed(
            "系统繁忙，暂时无法受理提交，请稍后再试（您填写的内容未提交）", code="UNAVAILABLE"
        ) from error
    if not first:
        raise ValidationFailed(SPENT, code="REPLAYED")
