"""django-axes wired to our login limits (docs/adr/0014-login-limits-in-the-cache-per-schema.md).

axes supplies the flow: its backend runs first in `authenticate()` and refuses a locked login
before any password is checked; Django's login signals reach the handler below; its middleware
turns a refused login into a 429. The handler keeps the counters through our services and
selectors (core/accounts/login_limits.py), per schema, and leaves the reason on the request
(`login_refusal`), which the login forms show in Chinese (core/accounts/forms.py). While Redis
cannot be reached, the counters are kept in the process's memory: signing in keeps working
(sessions are in the database) and stays limited, per web process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from axes.backends import AxesStandaloneBackend
from axes.handlers.base import AbstractAxesHandler, AxesBaseHandler
from axes.signals import user_locked_out
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from core.accounts.login_limits import (
    LockScope,
    LoginLock,
    failures_read,
    normalise_email,
    process_local,
)
from core.accounts.selectors import login_lock_get
from core.accounts.services import login_failure_record, login_success_record
from core.common.softcache import CACHE_ERRORS

logger = logging.getLogger("core.accounts.lockout")

LOCKED = "登录失败次数过多，请稍后再试。"
T = TypeVar("T")


@dataclass(frozen=True)
class LoginRefusal:
    """Why a login was refused before its password counted."""

    message: str
    status: int
    retry_after: int


def login_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The e-mail a login names, lower-cased (axes' AXES_USERNAME_CALLABLE)."""
    source = credentials if credentials is not None else request.POST
    return normalise_email(str(source.get("username") or ""))


def login_refusal(request: HttpRequest | None) -> LoginRefusal | None:
    """The refusal the limits left on this request, if any."""
    return getattr(request, "login_refusal", None)


def _refuse(request: HttpRequest, refusal: LoginRefusal) -> None:
    request.login_refusal = refusal  # type: ignore[attr-defined]
    request.axes_locked_out = True  # type: ignore[attr-defined]  # axes' middleware reads it


def _refusal_for(lock: LoginLock) -> LoginRefusal:
    return LoginRefusal(message=lock.message, status=429, retry_after=lock.seconds_left())


def _address(request: HttpRequest) -> str:
    return str(getattr(request, "axes_ip_address", "") or "")


def _counted(operation: Callable[[], T]) -> T:
    """Run `operation` on the shared cache, or in this process's memory while it is down."""
    try:
        return operation()
    except CACHE_ERRORS as error:
        logger.error("login limits: cache unavailable, counting in this process (%s)",
                     type(error).__name__)  # fmt: skip
        with process_local():
            return operation()


class LoginLimitHandler(AbstractAxesHandler, AxesBaseHandler):  # axes has no types
    """axes' handler over the per-schema counters: a lock per account (LOGIN_ACCOUNT_FAILURES) and
    per address (LOGIN_ADDRESS_FAILURES)."""

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        email, address = login_username(request, credentials), _address(request)
        lock = _counted(lambda: login_lock_get(email=email, address=address))
        if lock is None:
            return False
        _refuse(request, _refusal_for(lock))
        return True

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """The account's failures so far (axes' interface; is_locked does not use it)."""
        return failures_read(LockScope.ACCOUNT, login_username(request, credentials))

    def user_login_failed(
        self,
        sender: object,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:  # not a web login (a shell, the test client's login()): no address
            return
        if getattr(request, "axes_locked_out", False):
            return  # refused by a lock: neither counted nor extending it
        email, address, page = login_username(request, credentials), _address(request), request.path
        page = page[:200]
        lock = _counted(lambda: login_failure_record(email=email, address=address, page=page))
        if lock is None:
            return
        logger.warning("login locked: %s for %d minutes", lock.scope.value, lock.minutes)
        _refuse(request, _refusal_for(lock))
        user_locked_out.send("axes", request=request, username=email, ip_address=address)

    def user_logged_in(
        self, sender: object, request: HttpRequest | None, user: Any, **kwargs: Any
    ) -> None:
        email = user.get_username()
        _counted(lambda: login_success_record(email=email))

    def user_logged_out(
        self, sender: object, request: HttpRequest | None, user: Any, **kwargs: Any
    ) -> None:
        return None

    def reset_attempts(
        self,
        *,
        ip_address: str | None = None,
        username: str | None = None,
        ip_or_username: bool = False,
    ) -> int:
        # axes' own commands know no schema: unlock with `manage.py login_unlock`, which does.
        raise NotImplementedError("use `manage.py login_unlock --district …` (it is audited)")


class LoginLimitBackend(AxesStandaloneBackend):  # axes has no types
    """axes' backend (refuses a locked login before ModelBackend checks the password). A call of
    `authenticate()` without a request is no web login (a shell, the test client's `login()`):
    it has no address to count, so it is let through to the password check."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is not None:
            super().authenticate(request, username, password, **kwargs)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponseBase | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponseBase:
    """axes' AXES_LOCKOUT_CALLABLE: the login page as the view rendered it (its form says why, in
    Chinese), with the refusal's status and Retry-After."""
    refusal = login_refusal(request) or LoginRefusal(message=LOCKED, status=429, retry_after=60)
    if isinstance(original_response, HttpResponseBase):
        response = original_response
    else:  # a page with no form to say it
        response = HttpResponse(refusal.message, content_type="text/plain; charset=utf-8")
    response.status_code = refusal.status
    response["Retry-After"] = str(refusal.retry_after)
    return response
