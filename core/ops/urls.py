"""The operations endpoints, on every host. tenants.middleware.DistrictRoutingMiddleware routes
OPS_PATHS here before looking the host up: probes address the pod, not a district, and liveness
must not depend on the database that the host lookup reads."""

from django.urls import path

from core.ops import views

urlpatterns = [
    path("healthz", views.healthz, name="ops-healthz"),
    path("readyz", views.readyz, name="ops-readyz"),
    path("metrics", views.metrics, name="ops-metrics"),
]

OPS_URLCONF = __name__
OPS_PATHS = frozenset(f"/{pattern.pattern}" for pattern in urlpatterns)
