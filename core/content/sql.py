"""Hot-path reads as single SQL statements returning plain rows (no ORM, no optimiser).

This is the pattern for the API's hot paths (STACK.md: the ORM and the optimiser are over a third of
a small GraphQL request's cost): one statement, the rows mapped onto plain dataclasses, which the
GraphQL types are built from.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.db import connection

from core.common.tenancy import current_schema


@dataclass(frozen=True)
class DistrictProfile:
    slug: str
    name: str
    platform_name: str
    region_code: str
    status: str
    primary_colour: str
    accent_colour: str
    banner_text: str
    footer_text: str
    icp_number: str
    contact_phone: str
    contact_email: str
    contact_address: str
    catalogue_item_count: int


PROFILE_SQL = """
SELECT d.schema_name, d.name, t.platform_name, d.region_code, d.status,
       t.primary_colour, t.accent_colour, t.banner_text, t.footer_text, t.icp_number,
       t.contact_phone, t.contact_email, t.contact_address,
       (SELECT count(*) FROM catalog_catalogitem i WHERE i.is_active)
FROM public.tenants_district d
CROSS JOIN portal_theme_theme t
WHERE d.schema_name = %s
"""


def district_profile_get() -> DistrictProfile | None:
    """The current district's public profile, in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(PROFILE_SQL, [current_schema()])
        row = cursor.fetchone()
    if row is None:
        return None
    names = [f.name for f in fields(DistrictProfile)]
    values = dict(zip(names, row, strict=True))
    values["catalogue_item_count"] = int(values["catalogue_item_count"])
    return DistrictProfile(**values)
