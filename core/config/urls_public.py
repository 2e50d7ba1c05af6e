"""URLs on the operator's domain: the operator console (Django admin) and the operator GraphQL API."""

from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from core.storage.views import signed_file
from graphql_api.views import operator_graphql_view

handler404 = "portal_theme.views.errors.not_found"
handler500 = "portal_theme.views.errors.server_error"

admin.site.site_header = "公共信用信息平台 · 运营管理"
admin.site.site_title = "运营管理"
admin.site.index_title = "区县与平台"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("graphql/", operator_graphql_view, name="graphql"),
    path("files/<str:token>/", signed_file, name="storage-file"),
]
