"""Who is asking, for console views (behind login_required): the user, and the role check every
restricted page makes (a page a role may not use does not exist for it: 404)."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import Http404, HttpRequest

from core.accounts.enums import StaffRole
from core.accounts.models import User


def staff(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required guarantees a User


def staff_with_role(request: HttpRequest, roles: Iterable[StaffRole], refusal: str) -> User:
    user = staff(request)
    if user.role not in {r.value for r in roles}:
        raise Http404(refusal)
    return user
