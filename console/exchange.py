"""信息共享 in the staff console: agreements with other districts (propose, accept, decline,
revoke), the district's signing keys, its exchange log with the chain check, and the lookup that
shows a company's local records beside the records other districts share. Thin: the work is in
exchange/."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from console.access import staff_permitted
from core.accounts.policy import can
from core.common.actors import Actor
from core.common.errors import ApplicationError, NotFound
from core.common.forms import date_input
from core.common.identifiers import normalise
from core.records.selectors import record_list_for_subject
from core.subjects.models import Subject
from exchange.enums import AgreementStatus, ExchangePurpose, LogOutcome, LogSide
from exchange.keys import key_fingerprint
from exchange.permissions import (
    AGREEMENT_MANAGE,
    EXCHANGE_LOOKUP,
    EXCHANGE_VIEW,
    SIGNING_KEY_ROTATE,
)
from exchange.scope import FIELD_GROUPS, field_group, field_label, sealed_fields
from exchange.selectors import (
    agreement_access_by_id,
    agreements_for_district,
    exchange_counts_by_agreement,
    exchange_log_list,
    exchange_log_verify,
    local_subject,
    partner_districts,
    shareable_items,
    signing_keys,
)
from exchange.services.agreements import (
    ScopeItem,
    agreement_accept,
    agreement_decline,
    agreement_propose,
    agreement_revoke,
)
from exchange.services.consuming import lookup_refusal, shared_lookup
from exchange.services.keys import signing_key_rotate
from exchange.status import agreement_status
from tenants.models import District

DATE_ERRORS = {"required": "请选择日期", "invalid": "日期格式应为yyyy-MM-dd，如2026-03-15"}
PURPOSES = ExchangePurpose.choices


def _district(request: HttpRequest) -> District:
    return request.tenant  # type: ignore[attr-defined,no-any-return]  # set by the router


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label, error_messages=DATE_ERRORS,
        widget=date_input(),
    )  # fmt: skip


class ProposeForm(forms.Form):
    legal_basis = forms.CharField(
        label="共享依据（法律法规或文件名称及条款）", max_length=500,
        error_messages={"required": "请填写共享依据（法律法规或文件名称及条款）",
                        "max_length": "共享依据不能超过500字，请精简后再提交"},
    )  # fmt: skip
    purposes = forms.MultipleChoiceField(
        label="允许的用途", choices=PURPOSES, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一项共享用途",
                        "invalid_choice": "所选用途“%(value)s”不存在，请重新选择"},
    )  # fmt: skip
    valid_from = _date_field("生效日期")
    valid_until = _date_field("截止日期")

    def __init__(self, *args: object, provider: District, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.items = shareable_items(provider=provider)
        for item in self.items:
            self.fields[f"scope_{item.code}"] = forms.MultipleChoiceField(
                label=f"{item.code} {item.name}",
                choices=list(item.fields.items()),
                widget=forms.CheckboxSelectMultiple,
                required=False,
                error_messages={"invalid_choice": f"“{item.name}”没有所选字段，请重新勾选"},
            )
            # 全选 is a field of its own: ticked, it stands for every field of the item (so it
            # works without JavaScript; portal_theme/select_all.js only mirrors it on the boxes).
            self.fields[f"all_{item.code}"] = forms.BooleanField(label="全选", required=False)

    def scope(self) -> list[ScopeItem]:
        scope = []
        for item in self.items:
            if self.cleaned_data.get(f"all_{item.code}"):
                scope.append(ScopeItem(item.code, list(item.fields)))
            elif self.cleaned_data.get(f"scope_{item.code}"):
                scope.append(ScopeItem(item.code, self.cleaned_data[f"scope_{item.code}"]))
        return scope

    def scope_items(self) -> list[ScopeChoice]:
        """Each item with its fields by Chinese name, grouped, ticked as posted."""
        choices = []
        for item in self.items:
            name = f"scope_{item.code}"
            ticked = set(self.data.getlist(name)) if self.is_bound else set()  # type: ignore[attr-defined]
            everything = self.is_bound and bool(self.data.get(f"all_{item.code}"))
            groups = [
                ScopeGroup(label, [
                    ScopeField(code, field_label(code), everything or code in ticked,
                               f"id_{name}_{code}")
                    for code in item.fields if field_group(code) == label
                ])
                for label in FIELD_GROUPS
            ]  # fmt: skip
            choices.append(ScopeChoice(
                code=item.code, name=item.name, field_name=name, all_name=f"all_{item.code}",
                all_ticked=everything or (bool(ticked) and ticked >= set(item.fields)),
                groups=[g for g in groups if g.fields],
                sealed=[field_label(c) for c in sealed_fields(item.code)],
                errors=[str(e) for e in self[name].errors],
            ))  # fmt: skip
        return choices


@dataclass(frozen=True)
class ScopeField:
    code: str
    label: str
    ticked: bool
    dom_id: str


@dataclass(frozen=True)
class ScopeGroup:
    label: str
    fields: list[ScopeField]


@dataclass(frozen=True)
class ScopeChoice:
    code: str
    name: str
    field_name: str
    all_name: str
    all_ticked: bool
    groups: list[ScopeGroup]
    sealed: list[str]
    errors: list[str]

    @property
    def ticked(self) -> int:
        return sum(f.ticked for g in self.groups for f in g.fields)

    @property
    def total(self) -> int:
        return sum(len(g.fields) for g in self.groups)


@login_required
def exchange_home(request: HttpRequest) -> HttpResponse:
    user = staff_permitted(request, EXCHANGE_VIEW)
    district = _district(request)
    partners = list(partner_districts(district=district))
    provider = next((p for p in partners if str(p.pk) == request.GET.get("provider")), None)
    form = ProposeForm(request.POST or None, provider=provider) if provider else None
    done = ""
    posted = request.method == "POST"
    if posted and "rotate" in request.POST and can(user, SIGNING_KEY_ROTATE):
        actor = Actor.for_user(user, schema=district.schema_name)
        key = signing_key_rotate(district=district, actor=actor)
        done = f"已生成新的签名密钥 {key.key_id}；旧公钥在宽限期内仍可验证"
    elif posted and can(user, AGREEMENT_MANAGE) and form is not None and form.is_valid():
        assert provider is not None  # the form exists only once a provider is chosen
        data = form.cleaned_data
        try:
            agreement = agreement_propose(
                actor=user, consumer=district, provider=provider,
                legal_basis=data["legal_basis"], purposes=data["purposes"],
                items=form.scope(), valid_from=data["valid_from"],
                valid_until=data["valid_until"],
            )  # fmt: skip
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("console-exchange-agreement", agreement_id=agreement.pk)
    today = timezone.localdate()
    counts = exchange_counts_by_agreement()
    rows = [
        {"agreement": a, "status": agreement_status(a, today),
         "side": "provider" if a.provider_id == district.pk else "consumer",
         "counts": counts.get(a.pk)}
        for a in agreements_for_district(district=district)
    ]  # fmt: skip
    keys = [(k, key_fingerprint(k.public_key)) for k in signing_keys()]
    return render(request, "portal_theme/console/exchange.html", {
        "rows": rows, "partners": partners, "provider": provider, "form": form,
        "keys": keys, "done": done,
    })  # fmt: skip


class ReasonForm(forms.Form):
    """The reason of a decline or a revocation (accepting needs none)."""

    reason = forms.CharField(label="原因", max_length=300)

    def __init__(self, *args: object, what: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["reason"].error_messages = {
            "required": f"请填写{what}原因后再点“{what}”",
            "max_length": f"{what}原因不能超过300字，请精简后再提交",
        }


@login_required
def exchange_agreement(request: HttpRequest, agreement_id: int) -> HttpResponse:
    user = staff_permitted(request, EXCHANGE_VIEW)
    district = _district(request)
    try:
        agreement = agreement_access_by_id(district=district, agreement_id=agreement_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    today = timezone.localdate()
    status = agreement_status(agreement, today)
    manages = can(user, AGREEMENT_MANAGE)
    is_provider = agreement.provider_id == district.pk
    can_decide = manages and is_provider and status == AgreementStatus.PROPOSED
    can_revoke = manages and status in (AgreementStatus.ACCEPTED, AgreementStatus.ACTIVE)
    posted = request.POST if request.method == "POST" else None
    decline_form = ReasonForm(posted if posted and "decline" in posted else None,
                              what="拒绝")  # fmt: skip
    revoke_form = ReasonForm(posted if posted and "revoke" in posted else None,
                             what="撤销")  # fmt: skip
    error = ""
    if posted is not None and manages:
        try:
            if "accept" in posted and can_decide:
                agreement_accept(actor=user, agreement=agreement)
                return redirect("console-exchange-agreement", agreement_id=agreement.pk)
            if "decline" in posted and can_decide and decline_form.is_valid():
                agreement_decline(
                    actor=user, agreement=agreement, reason=decline_form.cleaned_data["reason"]
                )
                return redirect("console-exchange-agreement", agreement_id=agreement.pk)
            if "revoke" in posted and can_revoke and revoke_form.is_valid():
                agreement_revoke(
                    actor=user, agreement=agreement, reason=revoke_form.cleaned_data["reason"]
                )
                return redirect("console-exchange-agreement", agreement_id=agreement.pk)
        except ApplicationError as exc:
            error = f"{exc.message}。请刷新页面查看协议的当前状态"
    counts = exchange_counts_by_agreement().get(agreement.pk)
    purposes = dict(PURPOSES)
    scope = [
        {"item": item, "fields": [field_label(code) for code in item.fields]}
        for item in agreement.items.all()
    ]
    return render(request, "portal_theme/console/exchange_agreement.html", {
        "agreement": agreement, "status": status, "is_provider": is_provider,
        "purposes": [purposes.get(p, p) for p in agreement.purposes], "scope": scope,
        "can_decide": can_decide, "can_revoke": can_revoke, "decline_form": decline_form,
        "revoke_form": revoke_form, "error": error,
        "counts": counts, "entries": exchange_log_list(agreement_id=agreement.pk)[:20],
    })  # fmt: skip


@login_required
def exchange_log(request: HttpRequest) -> HttpResponse:
    staff_permitted(request, EXCHANGE_VIEW)
    raw = request.GET.get("agreement", "").strip()
    agreement_id = int(raw) if raw.isdigit() and len(raw) < 12 else None
    page = Paginator(exchange_log_list(agreement_id=agreement_id), 100).get_page(
        request.GET.get("page")
    )
    check = exchange_log_verify() if request.GET.get("verify") == "1" else None
    return render(request, "portal_theme/console/exchange_log.html", {
        "page": page, "agreement_id": agreement_id, "check": check,
        "query": f"agreement={agreement_id}" if agreement_id else "",
        "sides": dict(LogSide.choices), "outcomes": dict(LogOutcome.choices),
        "purposes": dict(PURPOSES),
    })  # fmt: skip


class LookupForm(forms.Form):
    code = forms.CharField(label="统一社会信用代码", max_length=40)
    purpose = forms.ChoiceField(label="查询用途", choices=PURPOSES)


@login_required
def exchange_lookup(request: HttpRequest) -> HttpResponse:
    """A lookup signs requests to other districts and appends to both exchange logs, so it is a
    POST (CSRF-protected); a GET shows the form and nothing else. A district that is not active
    does not ask (the service refuses; the page says why)."""
    user = staff_permitted(request, EXCHANGE_LOOKUP)
    district = _district(request)
    form = LookupForm(request.POST if request.method == "POST" else None)
    local: list[object] = []
    subject: Subject | None = None
    results = None
    today: date = timezone.localdate()
    if form.is_bound and form.is_valid():
        code = normalise(form.cleaned_data["code"])
        try:
            results = shared_lookup(actor=user, consumer=district, code=code,
                                    purpose=form.cleaned_data["purpose"])  # fmt: skip
        except ApplicationError as exc:
            form.add_error("code" if exc.field == "code" else None, exc.message)
        else:
            subject = local_subject(code=code)
            if subject is not None:
                local = list(record_list_for_subject(subject_id=subject.pk, today=today))
    return render(request, "portal_theme/console/exchange_lookup.html", {
        "form": form, "subject": subject, "local": local, "results": results,
        "refusal": lookup_refusal(district),
    })  # fmt: skip
