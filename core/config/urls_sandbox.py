"""URLs on the developers' sandbox domain (DistrictKind.SANDBOX): the district API with its
GraphiQL, the reference, signed report files and the bulk-job file API. No portal and no console: the sandbox holds
generated data for integrating against, not a platform anyone runs."""

from django.urls import path

from billing import api as billing_api
from core.storage.views import signed_file
from graphql_api import developers
from graphql_api.views import district_graphql_view

handler404 = "portal.errors.not_found"
handler500 = "portal.errors.server_error"

urlpatterns = [
    path("", developers.sandbox_home, name="sandbox-home"),
    path("developers/", developers.reference_page, name="developers-reference"),
    path("developers/graphiql/", developers.graphiql_page, name="developers-graphiql"),
    path("graphql/", district_graphql_view, name="graphql"),
    path("files/<str:token>/", signed_file, name="storage-file"),
    *billing_api.urlpatterns,
]
