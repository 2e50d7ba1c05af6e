"""The operator console (Django admin on the operator's domain): districts, status, domains, counts,
and the lifecycle actions, all through the same services as the command line and GraphQL."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django_tenants.utils import schema_context

from billing.enums import BillingMode, ContractStatus, PricingModel, ProductCode
from core.accounts.actors import public_actor_name
from core.common.actors import Actor
from core.common.errors import ApplicationError
from core.common.forms import form_error, form_submit
from core.content.forms import LogoForm, ThemeForm
from core.upstream.selectors import district_upstream_endpoint_list
from exchange.enums import ExchangePurpose
from provisioning.services import lifecycle
from provisioning.services.domains import (
    district_domain_add,
    district_domain_change,
    district_domain_remove,
)
from provisioning.services.onboarding import (
    OnboardingRequest,
    district_onboard,
    normalise_domain,
    validate_domain,
)
from provisioning.services.theme import (
    district_theme_get,
    district_theme_set_logo,
    district_theme_update,
)
from provisioning.services.upstream import district_upstream_endpoint_set
from tenants import wording as platform_wording
from tenants.enums import DistrictKind
from tenants.links import district_url, first_login_path
from tenants.models import District, Domain, PlatformAuditEntry
from tenants.selectors import (
    DistrictOverview,
    district_overview_list,
)


class OnboardForm(forms.Form):
    slug = forms.CharField(
        label="标识（模式名）",
        max_length=30,
        help_text=mark_safe("小写字母开头，如 <code>wanzhou</code>"),
    )
    name = forms.CharField(label="区县名称", max_length=60, help_text="如 万州区")
    platform_name = forms.CharField(label="平台名称", max_length=60, help_text="如 信用万州")
    region_code = forms.CharField(
        label="行政区划代码", max_length=6, help_text="区县级6位代码，如 500101"
    )
    domain = forms.CharField(
        label="域名", max_length=253, help_text=mark_safe("如 <code>credit.wanzhou.gov.cn</code>")
    )
    admin_email = forms.EmailField(label="首位管理员邮箱")
    admin_name = forms.CharField(label="首位管理员姓名", max_length=100, required=False)


class UpstreamEndpointForm(forms.Form):
    name = forms.CharField(label="上级平台名称", max_length=50, help_text="如 信用重庆、信用中国")
    url = forms.CharField(
        label="上报地址",
        max_length=500,
        required=False,
        help_text="https:// 开头，主机须在 UPSTREAM_ALLOWED_HOSTS 中；留空则停止推送",
    )


class DomainForm(forms.ModelForm[Domain]):
    class Meta:
        model = Domain
        fields = ("domain", "is_primary")

    def clean_domain(self) -> str:
        try:
            return validate_domain(normalise_domain(self.cleaned_data["domain"]))
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc


class DomainFormSet(forms.BaseInlineFormSet[Domain, District, forms.ModelForm[Domain]]):
    """A district's domain rows, saved through the domain services (each change audited): new rows
    are not primary unless ticked, and exactly one row stays primary."""

    actor: Actor | None = None  # set per request by DomainInline.get_formset

    def _deleting(self, form: forms.ModelForm[Domain]) -> bool:
        return self.can_delete and bool(form.cleaned_data.get("DELETE"))

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.cleaned_data and not self._deleting(f)]
        if not kept:
            raise forms.ValidationError("区县至少要保留一个域名")
        if sum(1 for f in kept if f.cleaned_data.get("is_primary")) != 1:
            raise forms.ValidationError("请勾选且只勾选一个主域名")

    def save(self, commit: bool = True) -> list[Domain]:
        district, actor = self.instance, self.actor or Actor.system("operator-console")
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        # Changes and additions before removals: the district keeps a primary domain throughout.
        for form in self.initial_forms:
            if form.has_changed() and not self._deleting(form):
                changed = district_domain_change(
                    domain=form.instance, name=form.cleaned_data["domain"],
                    primary=bool(form.cleaned_data.get("is_primary")), actor=actor,
                )  # fmt: skip
                self.changed_objects.append((changed, form.changed_data))
        for form in self.extra_forms:
            if form.has_changed() and not self._deleting(form):
                added = district_domain_add(
                    district=district, domain=form.cleaned_data["domain"],
                    primary=bool(form.cleaned_data.get("is_primary")), actor=actor,
                )  # fmt: skip
                self.new_objects.append(added)
        for form in self.initial_forms:
            if form.instance.pk is not None and self._deleting(form):
                district_domain_remove(domain=form.instance, actor=actor)
                self.deleted_objects.append(form.instance)
        return [*self.new_objects, *(obj for obj, _ in self.changed_objects)]


class DomainInline(admin.TabularInline[Domain, District]):
    """New rows start not primary (adding a domain used to demote the primary one); making another
    domain primary is an explicit tick, and every change writes a platform audit entry."""

    model = Domain
    form = DomainForm
    formset = DomainFormSet
    extra = 0
    fields = ("domain", "is_primary")

    def get_formset(self, request: HttpRequest, obj: District | None = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"actor": _actor(request)})


# The cross-schema counts, read once per change-list request (the admin instance is shared by
# threads, so the value lives in a context variable rather than on `self`).
_overview_var: ContextVar[dict[str, DistrictOverview] | None] = ContextVar("overview", default=None)


def _overview() -> dict[str, DistrictOverview]:
    cached = _overview_var.get()
    if cached is None:
        cached = {o.slug: o for o in district_overview_list()}
        _overview_var.set(cached)
    return cached


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user, schema="public")  # type: ignore[arg-type]  # admin_view: staff


def _lifecycle_action(
    name: str, label: str, step: Callable[..., District]
) -> Callable[[Any, HttpRequest, QuerySet[District]], None]:
    def action(modeladmin: Any, request: HttpRequest, queryset: QuerySet[District]) -> None:
        actor = _actor(request)
        for district in queryset:
            try:
                step(district=district, actor=actor, reason=f"运营后台：{label}")
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"{district.name}：已{label}")

    action.__name__ = name
    return admin.action(description=f"{label}所选区县")(action)


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin[District]):
    list_display = (
        "district_label",
        "schema_code",
        "platform_name",
        "region_code",
        "status",
        "domain_list",
        "staff_count",
        "catalogue_items",
        "created_at",
        "theme_link",
    )
    list_filter = ("status",)
    search_fields = ("name", "schema_name", "region_code", "domains__domain")
    readonly_fields = (
        "schema_code",
        "kind",
        "status",
        "status_reason",
        "status_changed_at",
        "purge_after",
        "created_at",
        "upstream_link",
        "theme_link",
    )
    fields = ("name", "region_code", *readonly_fields)
    inlines = (DomainInline,)
    actions = (
        _lifecycle_action("suspend", "暂停", lifecycle.district_suspend),
        _lifecycle_action("resume", "恢复运行", lifecycle.district_resume),
        _lifecycle_action("archive", "归档", lifecycle.district_archive),
        _lifecycle_action("request_deletion", "申请删除", lifecycle.district_request_deletion),
        _lifecycle_action("restore", "撤销删除", lifecycle.district_deletion_cancel),
    )
    change_list_template = "admin/tenants/district/change_list.html"

    @admin.display(description="区县名称", ordering="name")
    def district_label(self, obj: District) -> str:
        """The name, with a restore drill labelled as one (never a second 万州区)."""
        return str(obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[District]:
        return (
            super()
            .get_queryset(request)
            .filter(kind=DistrictKind.DISTRICT)
            .prefetch_related("domains")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # districts are created by the onboarding view below, never as a bare row

    def has_delete_permission(self, request: HttpRequest, obj: District | None = None) -> bool:
        return False  # deletion is the lifecycle: request deletion, grace period, purge

    @admin.display(description="模式名", ordering="schema_name")
    def schema_code(self, obj: District) -> str:
        """The schema name, for the command line and the logs: a literal, set in <code>."""
        return format_html("<code>{}</code>", obj.schema_name)

    @admin.display(description="平台名称")
    def platform_name(self, obj: District) -> str:
        overview = _overview().get(obj.schema_name)
        return overview.platform_name if overview else ""

    @admin.display(description="域名")
    def domain_list(self, obj: District) -> str:
        return ", ".join(d.domain for d in obj.domains.all())

    @admin.display(description="职员")
    def staff_count(self, obj: District) -> int:
        overview = _overview().get(obj.schema_name)
        return overview.staff_count if overview else 0

    @admin.display(description="目录项")
    def catalogue_items(self, obj: District) -> int:
        overview = _overview().get(obj.schema_name)
        return overview.catalogue_item_count if overview else 0

    @admin.display(description="上级平台报送")
    def upstream_link(self, obj: District) -> str:
        url = reverse("admin:tenants_district_upstream", args=[obj.pk])
        return format_html('<a href="{}">上报地址设置</a>', url)

    @admin.display(description="门户主题")
    def theme_link(self, obj: District) -> str:
        url = reverse("admin:tenants_district_theme", args=[obj.pk])
        return format_html('<a href="{}">主题设置</a>', url)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        token = _overview_var.set(None)
        try:
            return super().changelist_view(request, extra_context)
        finally:
            _overview_var.reset(token)

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "onboard/",
                self.admin_site.admin_view(self.onboard_view),
                name="tenants_district_onboard",
            ),
            path(
                "<int:district_id>/upstream/",
                self.admin_site.admin_view(self.upstream_view),
                name="tenants_district_upstream",
            ),
            path(
                "<int:district_id>/theme/",
                self.admin_site.admin_view(self.theme_view),
                name="tenants_district_theme",
            ),
            *super().get_urls(),
        ]

    def onboard_view(self, request: HttpRequest) -> HttpResponse:
        form = OnboardForm(request.POST or None)

        def onboard(data: dict[str, Any]) -> HttpResponse:
            result = district_onboard(request=OnboardingRequest(**data), actor=_actor(request))
            message = f"{result.district.name}已开通（{result.seconds:.2f} 秒）。"
            if result.login_token:
                link = district_url(
                    domain=result.domain,
                    path=first_login_path(result.login_token),
                    scheme="https" if request.is_secure() else "http",
                    port=request.get_port(),
                )
                message += f"管理员一次性登录链接（仅显示一次）：{link}"
            messages.success(request, message)
            return redirect("admin:tenants_district_changelist")

        response = form_submit(request, form, onboard)
        if response is not None:
            return response
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": "开通区县",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/tenants/district/onboard.html", context)

    def upstream_view(self, request: HttpRequest, district_id: int) -> HttpResponse:
        """Where the district's upstream reports go: the operator's to set (audited)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        district = get_object_or_404(self.get_queryset(request), pk=district_id)
        form = UpstreamEndpointForm(request.POST or None)

        def set_endpoint(data: dict[str, Any]) -> HttpResponse:
            endpoint = district_upstream_endpoint_set(
                district=district, name=data["name"], url=data["url"], actor=_actor(request)
            )
            messages.success(request, f"{district.name}：已设置上级平台“{endpoint.name}”的上报地址")
            return redirect("admin:tenants_district_upstream", district.pk)

        response = form_submit(request, form, set_endpoint)
        if response is not None:
            return response
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "district": district,
            "endpoints": district_upstream_endpoint_list(district=district),
            "title": f"{district.name}：上级平台上报地址",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/tenants/district/upstream.html", context)

    def theme_view(self, request: HttpRequest, district_id: int) -> HttpResponse:
        """The district's portal theme, with the district admin's form and service (audited)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        district = get_object_or_404(self.get_queryset(request), pk=district_id)
        try:
            current = district_theme_get(district=district)
        except ApplicationError as exc:
            raise Http404(exc.message) from exc
        saving, uploading = "save" in request.POST, "logo_upload" in request.POST
        form = ThemeForm(request.POST if saving else None, instance=current)
        logo = LogoForm(request.POST if uploading else None,
                        request.FILES if uploading else None)  # fmt: skip
        with schema_context(district.schema_name):  # the model's checks read the district's rows
            form_valid, logo_valid = saving and form.is_valid(), uploading and logo.is_valid()
        try:
            if form_valid:
                district_theme_update(
                    district=district, changes=form.changes(), actor=_actor(request)
                )
                messages.success(request, f"{district.name}：已保存门户主题")
                return redirect("admin:tenants_district_theme", district.pk)
            if logo_valid:
                district_theme_set_logo(
                    district=district, logo=logo.cleaned_data["logo"], actor=_actor(request)
                )
                messages.success(request, f"{district.name}：已更换门户标志")
                return redirect("admin:tenants_district_theme", district.pk)
        except ApplicationError as exc:
            form_error(logo if uploading else form, exc)
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "logo": logo,
            "district": district,
            "current": current,
            "title": f"{district.name}：门户主题",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/tenants/district/theme.html", context)


def _district_names() -> dict[str, str]:
    return dict(District.objects.values_list("schema_name", "name"))


# Billing's and exchange's code values in platform audit details, by detail key (tenants.wording
# adds the rest).
_BILLING_VALUES: dict[str, dict[str, str]] = {
    "purposes": dict(ExchangePurpose.choices),
    "product": dict(ProductCode.choices),
    "products": dict(ProductCode.choices),
    "model": dict(PricingModel.choices),
    "mode": dict(BillingMode.choices),
    "status": dict(ContractStatus.choices),
}


class PlatformAuditCategoryFilter(admin.SimpleListFilter):
    title = "类别"
    parameter_name = "category"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(name, label) for name, (label, _prefix) in platform_wording.CATEGORIES.items()]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[PlatformAuditEntry]
    ) -> QuerySet[PlatformAuditEntry]:
        category = platform_wording.CATEGORIES.get(self.value() or "")
        return queryset.filter(action__startswith=category[1]) if category else queryset


class PlatformAuditDistrictFilter(admin.SimpleListFilter):
    title = "区县"
    parameter_name = "district"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(
            District.objects.filter(kind=DistrictKind.DISTRICT).values_list("schema_name", "name")
        )

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[PlatformAuditEntry]
    ) -> QuerySet[PlatformAuditEntry]:
        value = self.value()
        return queryset.filter(district_schema=value) if value else queryset


@admin.register(PlatformAuditEntry)
class PlatformAuditEntryAdmin(admin.ModelAdmin[PlatformAuditEntry]):
    """Read-only: each entry as a Chinese sentence, its details as 字段：值 (tenants/wording.py)."""

    list_display = ("occurred_at", "actor_name", "what", "district_name")
    list_filter = (PlatformAuditCategoryFilter, PlatformAuditDistrictFilter)
    search_fields = ("actor_label", "district_schema", "action")
    fields = ("occurred_at", "actor_name", "what", "district_name", "detail_text")
    readonly_fields = fields

    @admin.display(description="操作人", ordering="actor_label")
    def actor_name(self, obj: PlatformAuditEntry) -> str:
        return public_actor_name(obj.actor_label)

    @admin.display(description="操作")
    def what(self, obj: PlatformAuditEntry) -> str:
        return platform_wording.sentence(
            obj.action,
            actor=public_actor_name(obj.actor_label),
            district=_district_names().get(obj.district_schema, obj.district_schema),
        )

    @admin.display(description="区县", ordering="district_schema")
    def district_name(self, obj: PlatformAuditEntry) -> str:
        if not obj.district_schema:
            return "—"
        name = _district_names().get(obj.district_schema)
        if name is None:  # purged and gone: only its schema name is left
            return format_html("模式名 <code>{}</code>", obj.district_schema)
        return name

    @admin.display(description="详情")
    def detail_text(self, obj: PlatformAuditEntry) -> str:
        lines = platform_wording.detail_lines(
            obj.action, obj.details, district_names=_district_names(), value_names=_BILLING_VALUES
        )
        return format_html_join("", "<div>{}</div>", ((line,) for line in lines)) or "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
