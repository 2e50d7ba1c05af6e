"""The operator's own row (the public schema) and its domains."""

from __future__ import annotations

from django.db import transaction

from provisioning.services.onboarding import normalise_domain
from tenants.enums import DistrictKind
from tenants.models import District, Domain


@transaction.atomic
def operator_ensure(*, domains: list[str], name: str = "运营方") -> District:
    """Make sure the public schema has its tenant row and routes `domains` to it. Idempotent."""
    public, _ = District.objects.get_or_create(
        schema_name="public", defaults={"kind": DistrictKind.OPERATOR, "name": name}
    )
    for index, raw in enumerate(domains):
        domain = normalise_domain(raw)
        Domain.objects.get_or_create(
            domain=domain, defaults={"tenant": public, "is_primary": index == 0}
        )
    return public
