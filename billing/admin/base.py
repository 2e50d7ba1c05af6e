"""What every billing console page shares: the base admin classes (a form meets a service through
`core.common.forms.form_submit`), the Chinese columns and filters, and small lookups.

Prices are versioned and the ledger, top-ups, invoices and credit notes are append-only, so no
billing admin changes or deletes a row: `ConsoleAdmin` switches those pages off for all of them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from billing.enums import ProductCode
from core.accounts.actors import public_actor_name
from core.accounts.models import User
from core.common.actors import Actor
from core.common.forms import Act, date_input, form_submit
from tenants.enums import DistrictKind, DistrictStatus
from tenants.models import District

M = TypeVar("M", bound=Model)

DATE_INPUT = date_input()
PRODUCT_NAMES = dict(ProductCode.choices)

# An extra console URL: route, view, URL name (reversed as "admin:<name>").
ExtraUrl = tuple[str, Callable[..., HttpResponse], str]


def actor_of(request: HttpRequest) -> Actor:
    return Actor.for_user(cast(User, request.user), schema="public")


def require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def row_or_404(queryset: QuerySet[M], pk: int, missing: str) -> M:
    """The row with this id, or a 404 that says in Chinese what is missing."""
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise Http404(missing)
    return row


def districts() -> QuerySet[District]:
    """The districts a price, contract or key can name: real, live ones (not restore drills, not
    purged or awaiting deletion)."""
    return (
        District.objects.filter(kind=DistrictKind.DISTRICT, restore_drill_on__isnull=True)
        .exclude(status__in=[DistrictStatus.PURGED, DistrictStatus.DELETION_PENDING])
        .order_by("created_at", "id")
    )


def products_text(codes: Iterable[str]) -> str:
    return "、".join(PRODUCT_NAMES.get(code, code) for code in codes)


def change_url(obj: Any) -> str:
    return reverse(f"admin:billing_{obj._meta.model_name}_change", args=[obj.pk])


def done(request: HttpRequest, message: str, to: Model | str) -> HttpResponse:
    """Success: say what was done, then go to `to` (a billing row's console page, a URL or a URL
    name)."""
    messages.success(request, message)
    return redirect(change_url(to) if isinstance(to, Model) else to)


def confirmation(request: HttpRequest) -> forms.Form:
    """A form without fields, for a page whose POST alone confirms the action."""
    return forms.Form(request.POST if request.method == "POST" else None)


def column(attr: str, label: str, *, link: bool = False) -> Callable[[Any, Any], object]:
    """A column or read-only field with a Chinese label, for fields whose model verbose name is
    still English (foreign keys, who and when). `attr` may be dotted ("district.name"); `link`
    links a billing row to its console page."""

    @admin.display(description=label, ordering=attr.replace(".", "__"))
    def show(model_admin: Any, obj: Any) -> object:
        value = obj
        for part in attr.split("."):
            value = getattr(value, part) if value is not None else None
        if value is None:
            return "—"
        if link and isinstance(value, Model):
            return format_html('<a href="{}">{}</a>', change_url(value), value)
        return str(value) if isinstance(value, Model) else value

    return show


def actor_column(attr: str, label: str) -> Callable[[Any, Any], str]:
    """A column or read-only field showing who did something (a stored actor label such as
    `created_by`) as the operator reads it: 张三（运营方管理员）, 系统（演示数据）."""

    @admin.display(description=label, ordering=attr)
    def show(model_admin: Any, obj: Any) -> str:
        return public_actor_name(getattr(obj, attr) or "")

    return show


@admin.display(description="账期")
def show_period(model_admin: Any, obj: Any) -> str:
    """The month a ledger row or an invoice belongs to, as 2026年11月."""
    return f"{obj.period:%Y年%m月}"


def related_only(title: str) -> type[admin.RelatedOnlyFieldListFilter]:
    """A list filter over the related rows that occur, titled in Chinese."""

    class Filter(admin.RelatedOnlyFieldListFilter):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.title = title

    return Filter


# The list filters several billing admins share, titled in Chinese once.
CUSTOMER_FILTER = ("customer", related_only("客户机构"))
DISTRICT_FILTER = ("district", related_only("区县"))
PRODUCT_FILTER = ("product", related_only("产品"))


class PeriodFilter(admin.SimpleListFilter):
    title = "账期"
    parameter_name = "period"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str]]:
        periods = (
            model_admin.get_queryset(request)
            .order_by("-period")
            .values_list("period", flat=True)
            .distinct()
        )
        return [(f"{p:%Y-%m}", f"{p:%Y年%m月}") for p in periods]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        try:
            year, month = (int(part) for part in str(value).split("-"))
            return queryset.filter(period=date(year, month, 1))
        except ValueError:
            return queryset.none()


class ConsoleAdmin(admin.ModelAdmin[M]):
    """A billing admin: rows are written by services from the console's own pages (`extra_urls`,
    `form_view`) and are never changed or deleted here."""

    # Columns several billing admins show, labelled in Chinese once; each admin lists those it uses.
    customer_name = column("customer.name", "客户机构")
    district_name = column("district.name", "区县")
    product_name = column("product.name", "产品")
    contract_link = column("contract", "合同", link=True)
    created = column("created_at", "创建时间")

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def extra_urls(self) -> list[ExtraUrl]:
        """The admin's own pages, put before the default ones."""
        return []

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        own = [path(route, view(page), name=name) for route, page, name in self.extra_urls()]
        return [*own, *super().get_urls()]

    def summary(self, obj: Any) -> list[tuple[str, object]]:
        """What a form page shows of the row it acts on (`original`)."""
        return []

    def page(
        self, request: HttpRequest, template: str, *, title: str, **context: Any
    ) -> TemplateResponse:
        """A console page in the admin's frame, under this model's breadcrumbs."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **context,
        }
        return TemplateResponse(request, template, context)

    def form_view(
        self,
        request: HttpRequest,
        form: forms.Form,
        act: Act,
        *,
        title: str,
        submit: str,
        original: object = None,
        summary: list[tuple[str, object]] | None = None,
        notice: str = "",
    ) -> HttpResponse:
        """A form whose submission calls a service (`act`, through `form_submit`); shown until it
        succeeds, with a `notice` and the row it acts on (`original`, described by `summary`, by
        default the admin's `summary` of it) above it."""
        response = form_submit(request, form, act)
        if response is not None:
            return response
        if summary is None:
            summary = self.summary(original) if original is not None else []
        return self.page(request, "admin/billing/form.html", title=title, form=form, submit=submit,
                         original=original, summary=summary, notice=notice)  # fmt: skip


class ReadOnlyAdmin(ConsoleAdmin[M]):
    """Rows only the services write: the console shows them and never adds one."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@dataclass(frozen=True)
class AddPage:
    """The words of an add page: its title, its button and a notice above the form."""

    title: str
    submit: str
    notice: str = ""


class AddThroughServiceAdmin(ConsoleAdmin[M]):
    """Rows created by a service from a custom add form (`add_form` on an `add_page`, submitted
    to `create`)."""

    add_form: type[forms.Form]
    add_page: AddPage

    def create(self, request: HttpRequest, data: dict[str, Any]) -> HttpResponse:
        """Call the service that creates the row from the add form's data; the success page."""
        raise NotImplementedError

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        return self.form_view(
            request,
            self.add_form(request.POST or None),
            lambda data: self.create(request, data),
            title=self.add_page.title,
            submit=self.add_page.submit,
            notice=self.add_page.notice,
        )
