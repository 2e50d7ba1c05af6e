"""URLs on the operator's domain: the operator console (Django admin), the operator GraphQL API and
the institution pages (customers' own usage and invoices)."""

from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from billing import views as institution
from core.accounts.forms import OperatorLoginForm
from core.storage.views import signed_file
from graphql_api import developers
from graphql_api.views import operator_graphql_view

handler404 = "portal.errors.not_found"
handler500 = "portal.errors.server_error"

admin.site.site_header = "公共信用信息平台 · 运营管理"
admin.site.site_title = "运营管理"
admin.site.index_title = "区县与平台"
# Says in Chinese when the login limits refuse a login (core/accounts/lockout.py).
admin.site.login_form = OperatorLoginForm

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("graphql/", operator_graphql_view, name="graphql"),
    path("developers/", developers.reference_page, name="developers-reference"),
    path("files/<str:token>/", signed_file, name="storage-file"),
    path("institution/", institution.home, name="institution-home"),
    path(
        "institution/login/", institution.InstitutionLoginView.as_view(), name="institution-login"
    ),
    path(
        "institution/logout/",
        institution.InstitutionLogoutView.as_view(),
        name="institution-logout",
    ),
    path("institution/welcome/<str:token>/", institution.welcome, name="institution-welcome"),
    path("institution/usage/", institution.usage, name="institution-usage"),
    path("institution/usage/export/", institution.usage_export, name="institution-usage-export"),
    path("institution/invoices/", institution.invoices, name="institution-invoices"),
    path("institution/webhooks/", institution.webhooks, name="institution-webhooks"),
    path("institution/keys/", institution.keys, name="institution-keys"),
    path("institution/keys/sandbox/", institution.sandbox_key_new, name="institution-sandbox-key"),
    path("institution/jobs/", institution.jobs, name="institution-jobs"),
    path(
        "institution/jobs/<int:pk>/results.<str:fmt>",
        institution.job_results,
        name="institution-job-results",
    ),
    path(
        "institution/keys/<int:pk>/rotate/", institution.key_rotate, name="institution-key-rotate"
    ),
    path(
        "institution/keys/<int:pk>/revoke/", institution.key_revoke, name="institution-key-revoke"
    ),
    path("institution/webhooks/<int:pk>/", institution.webhook_detail, name="institution-webhook"),
    path(
        "institution/webhooks/<int:pk>/rotate/",
        institution.webhook_rotate_view,
        name="institution-webhook-rotate",
    ),
    path(
        "institution/webhooks/<int:pk>/toggle/",
        institution.webhook_toggle,
        name="institution-webhook-toggle",
    ),
    path(
        "institution/webhooks/<int:pk>/deliveries/<int:delivery_pk>/redeliver/",
        institution.webhook_redeliver_view,
        name="institution-webhook-redeliver",
    ),
    path(
        "institution/invoices/<str:number>/pdf/",
        institution.invoice_pdf,
        name="institution-invoice-pdf",
    ),
    path(
        "institution/invoices/<str:number>/csv/",
        institution.invoice_csv,
        name="institution-invoice-csv",
    ),
]
