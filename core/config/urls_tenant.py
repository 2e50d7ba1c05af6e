"""URLs on a district's domain: the portal, the staff console and the district GraphQL API."""

from django.urls import path

from core.storage.views import signed_file
from graphql_api.views import district_graphql_view
from portal_theme.views import console, portal

handler404 = "portal_theme.views.errors.not_found"
handler500 = "portal_theme.views.errors.server_error"

urlpatterns = [
    path("", portal.home, name="portal-home"),
    path("console/", console.console_home, name="console-home"),
    path("console/login/", console.ConsoleLoginView.as_view(), name="console-login"),
    path("console/logout/", console.ConsoleLogoutView.as_view(), name="console-logout"),
    path("console/first-login/<str:token>/", console.first_login, name="console-first-login"),
    path("graphql/", district_graphql_view, name="graphql"),
    path("files/<str:token>/", signed_file, name="storage-file"),
]
