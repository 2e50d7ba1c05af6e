"""The district admin edits the portal's theme: name, colours, banner, footer, ICP number,
contacts and logo."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from console.access import staff_permitted
from core.common.errors import ApplicationError
from core.common.forms import form_error
from core.content.forms import LogoForm, ThemeForm
from core.content.permissions import THEME_EDIT
from core.content.selectors import theme_get_current
from core.content.services import theme_set_logo, theme_update


@login_required
def theme(request: HttpRequest) -> HttpResponse:
    user = staff_permitted(request, THEME_EDIT)
    current = theme_get_current()
    if current is None:
        raise Http404("本平台尚无主题设置")
    form = ThemeForm(request.POST if "save" in request.POST else None, instance=current)
    logo = LogoForm(request.POST if "logo_upload" in request.POST else None,
                    request.FILES if "logo_upload" in request.POST else None)  # fmt: skip
    try:
        if "save" in request.POST and form.is_valid():
            theme_update(actor=user, changes=form.changes())
            return redirect("/console/theme/?done=1")
        if "logo_upload" in request.POST and logo.is_valid():
            theme_set_logo(actor=user, logo=logo.cleaned_data["logo"])
            return redirect("/console/theme/?done=1")
    except ApplicationError as exc:
        target: forms.BaseForm = logo if "logo_upload" in request.POST else form
        form_error(target, exc)
    return render(request, "portal_theme/console/theme.html",
                  {"form": form, "logo": logo, "done": request.GET.get("done") == "1"})  # fmt: skip
