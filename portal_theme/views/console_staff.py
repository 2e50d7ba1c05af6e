"""The staff page's login locks: which staff accounts the login limits locked, and the district
admin's unlock (core/accounts/services.py, staff_login_unlock)."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from core.accounts.enums import StaffRole
from core.accounts.login_limits import LoginLock
from core.accounts.models import User
from core.accounts.selectors import login_locks_of
from core.accounts.services import staff_login_unlock
from core.common.errors import ApplicationError, NotFound
from core.common.softcache import CACHE_ERRORS
from portal_theme.views.access import staff_with_role
from portal_theme.views.inputs import posted_text

logger = logging.getLogger("portal_theme.console")


def staff_locks(people: list[User]) -> dict[str, LoginLock]:
    """Locked accounts among `people`, by e-mail; none shown while the cache is unavailable."""
    try:
        return login_locks_of(emails=[p.email for p in people])
    except CACHE_ERRORS as error:
        logger.warning("login locks unavailable for the staff page (%s)", type(error).__name__)
        return {}


@login_required
@require_POST
def staff_unlock(request: HttpRequest) -> HttpResponse:
    user = staff_with_role(request, (StaffRole.DISTRICT_ADMIN,), "只有区县管理员可以管理职员")
    email = posted_text(request, "email", max_length=254)
    try:
        was_locked = staff_login_unlock(actor=user, email=email)
    except NotFound as exc:
        raise Http404(exc.message) from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    except CACHE_ERRORS:
        messages.error(request, "系统繁忙，暂时无法解除锁定，请稍后再试")
    else:
        messages.success(request, f"已解除{email}的登录锁定" if was_locked else f"{email}未被锁定")
    return redirect("console-staff")
