"""Console pages for objections (异议) and credit repair (信用修复): the window clerk registers them
for a visitor; reviewers answer and decide; everyone with a console role sees the queues."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from console.access import staff_permitted
from core.common.actors import Actor
from core.common.forms import Act, form_submit
from core.common.tenancy import current_schema
from core.records.models import Record
from core.remedies.enums import Channel, ObjectionStatus
from core.remedies.models import Objection, RepairApplication
from core.remedies.permissions import REMEDY_DECIDE, REMEDY_TAKE, REMEDY_VIEW
from core.remedies.selectors import (
    objections_answered,
    objections_open,
    repairs_decided,
    repairs_pending,
)
from core.remedies.services import (
    OPTIONAL_MATERIALS,
    REQUIRED_MATERIALS,
    objection_answer,
    objection_file,
    repair_apply,
    repair_decide,
)
from core.reports.selectors import report_site
from portal_theme.remedy_forms import ApplicantForm, ObjectionForm, RepairForm

F = TypeVar("F", bound=ApplicantForm)


@login_required
def remedies(request: HttpRequest) -> HttpResponse:
    staff_permitted(request, REMEDY_VIEW)
    today = timezone.localdate()
    overdue_only = request.GET.get("overdue") == "1"
    return render(request, "portal_theme/console/remedies.html", {
        "objections": objections_open(today=today, overdue_only=overdue_only),
        "answered": objections_answered(), "repairs": repairs_pending(),
        "decided": repairs_decided(), "today": today, "overdue_only": overdue_only,
        "done": request.GET.get("done", ""),
    })  # fmt: skip


def _record(record_id: int) -> Record:
    record = Record.objects.select_related("subject").filter(pk=record_id).first()
    if record is None:
        raise Http404("没有这条记录")
    return record


def _take(
    request: HttpRequest, record_id: int, form_class: type[F], title: str,
    take: Callable[[Record, F, Actor], str],
) -> HttpResponse:  # fmt: skip
    """The window takes an application about a record for a visitor: `take` files it and says
    where it is shown next."""
    user = staff_permitted(request, REMEDY_TAKE)
    record = _record(record_id)
    form = form_class(request.POST or None, request.FILES or None)

    def act(data: dict[str, Any]) -> HttpResponse:
        return redirect(take(record, form, Actor.for_user(user, schema=current_schema())))

    if response := form_submit(request, form, act):
        return response
    return render(request, "portal_theme/console/remedy_new.html",
                  {"record": record, "form": form, "title": title})  # fmt: skip


@login_required
def objection_new(request: HttpRequest, record_id: int) -> HttpResponse:
    """The window registers an objection for a visitor."""

    def file(record: Record, form: ObjectionForm, actor: Actor) -> str:
        data = form.cleaned_data
        objection = objection_file(record=record, applicant=form.applicant(Channel.WINDOW),
                                   reason=data["reason"], attachment=data.get("attachment"),
                                   actor=actor)  # fmt: skip
        return f"/console/remedies/objections/{objection.pk}/"

    return _take(request, record_id, ObjectionForm, "登记异议", file)


@login_required
def repair_new(request: HttpRequest, record_id: int) -> HttpResponse:
    """The window takes a repair application with its materials."""

    def apply(record: Record, form: RepairForm, actor: Actor) -> str:
        application = repair_apply(record=record, applicant=form.applicant(Channel.WINDOW),
                                   statement=form.cleaned_data["statement"],
                                   materials=form.materials(), actor=actor)  # fmt: skip
        return f"/console/remedies/repairs/{application.pk}/"

    return _take(request, record_id, RepairForm, "受理信用修复申请", apply)


def _decision(request: HttpRequest, form: forms.Form, act: Act) -> HttpResponse | None:
    """An answer or a decision posted on a remedy's page: only a user who may decide posts one
    (404 for anyone else); then `form_submit`."""
    if request.method == "POST":
        staff_permitted(request, REMEDY_DECIDE)
    return form_submit(request, form, act)


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(
        label="处理结果",
        choices=[(c.value, c.label) for c in ObjectionStatus if c != ObjectionStatus.OPEN],
        widget=forms.RadioSelect,
    )
    reply = forms.CharField(label="书面答复", widget=forms.Textarea(attrs={"rows": 6}))


@login_required
def objection_detail(request: HttpRequest, objection_id: int) -> HttpResponse:
    user = staff_permitted(request, REMEDY_VIEW)
    objection = (
        Objection.objects.select_related("record", "subject").filter(pk=objection_id).first()
    )
    if objection is None:
        raise Http404("没有这件异议")
    form = AnswerForm(request.POST or None)

    def answer(data: dict[str, Any]) -> HttpResponse:
        site = report_site(verify_url=request.build_absolute_uri("/reports/verify/"))
        objection_answer(user=user, objection=objection, platform=site.platform,
                         outcome=data["outcome"], reply=data["reply"])  # fmt: skip
        return redirect("/console/remedies/?done=" + quote(f"异议{objection.number}已答复"))

    if response := _decision(request, form, answer):
        return response
    return render(request, "portal_theme/console/objection_detail.html", {
        "objection": objection, "form": form,
        "today": timezone.localdate(),
        "attachment_url": default_storage.url(objection.attachment) if objection.attachment else "",
        "reply_url": default_storage.url(objection.reply_pdf) if objection.reply_pdf else "",
    })  # fmt: skip


class DecisionForm(forms.Form):
    reason = forms.CharField(label="审核意见（不予修复时必填）", required=False, max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    decision = forms.ChoiceField(choices=[("approve", "准予修复"), ("refuse", "不予修复")],
                                 widget=forms.HiddenInput,
                                 error_messages={"required": "请点击“准予修复”或“不予修复”"})  # fmt: skip


@login_required
def repair_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    user = staff_permitted(request, REMEDY_VIEW)
    application = (
        RepairApplication.objects.select_related("record", "subject")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise Http404("没有这件申请")
    form = DecisionForm(request.POST or None)

    def decide(data: dict[str, Any]) -> HttpResponse:
        repair_decide(user=user, application=application, approve=data["decision"] == "approve",
                      reason=data["reason"])  # fmt: skip
        return redirect("/console/remedies/?done=" + quote(f"修复申请{application.number}已审核"))

    if response := _decision(request, form, decide):
        return response
    labels = {**REQUIRED_MATERIALS, **OPTIONAL_MATERIALS}
    materials = [
        (labels.get(k, k), default_storage.url(name)) for k, name in application.materials.items()
    ]
    return render(request, "portal_theme/console/repair_detail.html", {
        "application": application, "form": form,
        "materials": materials,
    })  # fmt: skip
