"""Who is asking, for console views (behind login_required): the user, and the permission check
every restricted page makes. A page a user may not use does not exist for it (404), so the console
does not tell which pages another role has."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from core.accounts.models import User
from core.accounts.policy import Permission, can


def staff(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # login_required guarantees a User


def staff_permitted(request: HttpRequest, permission: Permission) -> User:
    """The signed-in user, when it holds `permission`; otherwise 404 with the permission's
    message."""
    user = staff(request)
    if not can(user, permission):
        raise Http404(permission.message)
    return user
