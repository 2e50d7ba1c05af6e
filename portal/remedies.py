"""The portal's 异议 and 信用修复 forms: anyone names a public record by its subject's code and the
document number; the objection marks it disputed at once, the repair application goes to review.
Natural persons' and agents' identities are checked at the service-hall window instead."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from core.common.actors import Actor, ActorKind
from core.common.errors import ApplicationError
from core.common.forms import form_error
from core.common.throttle import client_address, throttle
from core.records.models import Record
from core.remedies.enums import Channel
from core.remedies.models import Objection, RepairApplication
from core.remedies.selectors import record_find_public
from core.remedies.services import objection_file, repair_apply
from portal_theme.remedy_forms import ObjectionForm, RepairForm


class _NamesRecord(forms.Form):
    """On the portal the applicant names the record: its subject's code and document number."""

    code = forms.CharField(label="统一社会信用代码", max_length=30)
    doc_number = forms.CharField(label="决定文书号", max_length=128)


class PortalObjectionForm(_NamesRecord, ObjectionForm):
    field_order = ["code", "doc_number"]


class PortalRepairForm(_NamesRecord, RepairForm):
    field_order = ["code", "doc_number"]


F = TypeVar("F", PortalObjectionForm, PortalRepairForm)
PUBLIC = Actor(kind=ActorKind.SYSTEM, label="public")
PER_HOUR = 5


def _allowed(
    request: HttpRequest, form: PortalObjectionForm | PortalRepairForm, scope: str
) -> bool:
    """Every attempt counts against the hourly limit, found or not (no probing of records)."""
    try:
        throttle(scope, client_address(request), per_hour=PER_HOUR)
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return False
    return True


def _named(form: PortalObjectionForm | PortalRepairForm) -> Record | None:
    record = record_find_public(code=form.cleaned_data["code"],
                                doc_number=form.cleaned_data["doc_number"], today=timezone.localdate())  # fmt: skip
    if record is None:
        form.add_error(
            "doc_number", "未找到该主体正在公示的这份文书，请核对统一社会信用代码和文书号"
        )
    return record


def _apply(
    request: HttpRequest, form: F, scope: str, submit: Callable[[Record, F], object],
    **words: str,
) -> HttpResponse:  # fmt: skip
    """A portal application about a public record the applicant names: counted against the
    hourly limit, then `submit` files it; the page says what was received (`done`)."""
    done = None
    if (
        request.method == "POST"
        and form.is_valid()
        and _allowed(request, form, scope)
        and (record := _named(form))
    ):
        try:
            done = submit(record, form)
        except ApplicationError as exc:
            form_error(form, exc)
    return render(request, "portal_theme/portal/remedy_form.html",
                  {"form": form, "done": done, **words})  # fmt: skip


def objection_new(request: HttpRequest) -> HttpResponse:
    def file(record: Record, form: PortalObjectionForm) -> Objection:
        data = form.cleaned_data
        return objection_file(record=record, reason=data["reason"], attachment=data.get("attachment"),
                              actor=PUBLIC, applicant=form.applicant(Channel.PORTAL))  # fmt: skip

    return _apply(
        request, PortalObjectionForm(request.POST or None, request.FILES or None), "objection",
        file, title="信用信息异议申请",
        intro="对本平台公示的信用信息有异议的，可提出异议申请。受理后该信息即标注“异议处理中”，"
              "平台在20日内书面答复处理结果。",
    )  # fmt: skip


def repair_new(request: HttpRequest) -> HttpResponse:
    def apply(record: Record, form: PortalRepairForm) -> RepairApplication:
        return repair_apply(record=record, statement=form.cleaned_data["statement"], actor=PUBLIC,
                            materials=form.materials(), applicant=form.applicant(Channel.PORTAL))  # fmt: skip

    return _apply(
        request, PortalRepairForm(request.POST or None, request.FILES or None), "repair",
        apply, title="信用修复申请",
        intro="行政处罚等失信信息最短公示期届满、已纠正失信行为并履行法定义务的，可申请信用修复。"
              "修复后该信息停止公示和共享。",
    )  # fmt: skip
