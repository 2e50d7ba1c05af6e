"""Console pages for objections (异议) and credit repair (信用修复): the window clerk registers them
for a visitor; reviewers answer and decide; everyone with a console role sees the queues."""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.common.actors import Actor
from core.common.errors import ApplicationError
from core.common.tenancy import current_schema
from core.records.models import Record
from core.remedies.enums import Channel, ObjectionStatus
from core.remedies.models import Objection, RepairApplication
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
from portal_theme.views.access import staff_with_role
from portal_theme.views.remedy_forms import ObjectionForm, RepairForm

READERS = (StaffRole.DISTRICT_ADMIN, StaffRole.REVIEWER, StaffRole.WINDOW_CLERK, StaffRole.AUDITOR)
TAKERS = (StaffRole.DISTRICT_ADMIN, StaffRole.REVIEWER, StaffRole.WINDOW_CLERK)
DECIDERS = (StaffRole.DISTRICT_ADMIN, StaffRole.REVIEWER)


def _user(request: HttpRequest, roles: tuple[StaffRole, ...]) -> User:
    return staff_with_role(request, roles, "无权访问此页面")


@login_required
def remedies(request: HttpRequest) -> HttpResponse:
    _user(request, READERS)
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


@login_required
def objection_new(request: HttpRequest, record_id: int) -> HttpResponse:
    """The window registers an objection for a visitor."""
    user = _user(request, TAKERS)
    record = _record(record_id)
    form = ObjectionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            objection = objection_file(
                record=record, applicant=form.applicant(Channel.WINDOW),
                reason=data["reason"], attachment=data.get("attachment"),
                actor=Actor.for_user(user, schema=current_schema()),
            )  # fmt: skip
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect(f"/console/remedies/objections/{objection.pk}/")
    return render(request, "portal_theme/console/remedy_new.html",
                  {"record": record, "form": form, "title": "登记异议"})  # fmt: skip


@login_required
def repair_new(request: HttpRequest, record_id: int) -> HttpResponse:
    """The window takes a repair application with its materials."""
    user = _user(request, TAKERS)
    record = _record(record_id)
    form = RepairForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = repair_apply(
                record=record, applicant=form.applicant(Channel.WINDOW),
                statement=form.cleaned_data["statement"], materials=form.materials(),
                actor=Actor.for_user(user, schema=current_schema()),
            )  # fmt: skip
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect(f"/console/remedies/repairs/{application.pk}/")
    return render(request, "portal_theme/console/remedy_new.html",
                  {"record": record, "form": form, "title": "受理信用修复申请"})  # fmt: skip


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(
        label="处理结果",
        choices=[(c.value, c.label) for c in ObjectionStatus if c != ObjectionStatus.OPEN],
        widget=forms.RadioSelect,
    )
    reply = forms.CharField(label="书面答复", widget=forms.Textarea(attrs={"rows": 6}))


@login_required
def objection_detail(request: HttpRequest, objection_id: int) -> HttpResponse:
    user = _user(request, READERS)
    objection = (
        Objection.objects.select_related("record", "subject").filter(pk=objection_id).first()
    )
    if objection is None:
        raise Http404("没有这件异议")
    form = AnswerForm(request.POST or None)
    if request.method == "POST":
        _user(request, DECIDERS)
        if form.is_valid():
            try:
                objection_answer(user=user, objection=objection, platform=report_site(verify_url=request.build_absolute_uri("/reports/verify/")).platform,
                                 outcome=form.cleaned_data["outcome"], reply=form.cleaned_data["reply"])  # fmt: skip
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return redirect("/console/remedies/?done=" + quote(f"异议{objection.number}已答复"))
    return render(request, "portal_theme/console/objection_detail.html", {
        "objection": objection, "form": form, "can_answer": user.role in DECIDERS,
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
    user = _user(request, READERS)
    application = (
        RepairApplication.objects.select_related("record", "subject")
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise Http404("没有这件申请")
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        _user(request, DECIDERS)
        if form.is_valid():
            try:
                repair_decide(user=user, application=application,
                              approve=form.cleaned_data["decision"] == "approve",
                              reason=form.cleaned_data["reason"])  # fmt: skip
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return redirect(
                    "/console/remedies/?done=" + quote(f"修复申请{application.number}已审核")
                )
    labels = {**REQUIRED_MATERIALS, **OPTIONAL_MATERIALS}
    materials = [
        (labels.get(k, k), default_storage.url(name)) for k, name in application.materials.items()
    ]
    return render(request, "portal_theme/console/repair_detail.html", {
        "application": application, "form": form, "can_decide": user.role in DECIDERS,
        "materials": materials,
    })  # fmt: skip
