"""职员管理: the district admin adds staff (each gets a one-time sign-in link), sees which accounts
the login limits locked and unlocks them (core/accounts/services.py, staff_login_unlock)."""

from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from console.access import staff_permitted
from core.accounts.enums import StaffRole
from core.accounts.login_limits import LoginLock
from core.accounts.models import User
from core.accounts.permissions import STAFF_MANAGE
from core.accounts.selectors import login_locks_of
from core.accounts.services import staff_login_unlock
from core.catalog.models import Department
from core.catalog.services import staff_create
from core.common.errors import ApplicationError, NotFound
from core.common.forms import form_error
from core.common.softcache import CACHE_ERRORS
from portal_theme.inputs import posted_text
from tenants.links import first_login_path

logger = logging.getLogger("console.staff")


class StaffForm(forms.Form):
    email = forms.EmailField(label="电子邮箱")
    full_name = forms.CharField(label="姓名", max_length=100)
    role = forms.ChoiceField(label="角色", choices=StaffRole.choices)
    department = forms.ModelChoiceField(
        queryset=Department.objects.filter(is_active=True), label="所属部门", required=False
    )


@login_required
def staff(request: HttpRequest) -> HttpResponse:
    user = staff_permitted(request, STAFF_MANAGE)
    form = StaffForm(request.POST or None)
    link = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created, token = staff_create(
                actor=user,
                email=data["email"],
                full_name=data["full_name"],
                role=StaffRole(data["role"]),
                department_id=data["department"].pk if data["department"] else None,
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            link = request.build_absolute_uri(first_login_path(token))
            form = StaffForm()
    people = list(User.objects.select_related("assignment__department").order_by("email"))
    locks = staff_locks(people)
    rows = [(p, locks.get(p.email)) for p in people]
    return render(request, "portal_theme/console/staff.html",
                  {"form": form, "people": people, "rows": rows, "link": link})  # fmt: skip


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
    user = staff_permitted(request, STAFF_MANAGE)
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
