"""The operator themes a district (name, colours, banner, footer, units, logo) through the same
services as the district admin's theme page (core/content/services.py), run in the district's
schema. Each change is in the platform audit log."""

from __future__ import annotations

from typing import IO

from django.db import transaction
from django_tenants.utils import schema_context

from core.common.actors import Actor
from core.common.errors import NotFound, ValidationFailed
from core.content.models import Theme
from core.content.services import EDITABLE_FIELDS, ThemeChanges, theme_set_logo, theme_update
from tenants.audit import platform_audit_record
from tenants.enums import DistrictKind, DistrictStatus
from tenants.models import District


def _check(district: District) -> None:
    if district.kind != DistrictKind.DISTRICT or district.status == DistrictStatus.PURGED:
        raise ValidationFailed("只能为现有区县设置门户主题")


def district_theme_get(*, district: District) -> Theme:
    """The district's current theme (read in its schema)."""
    _check(district)
    with schema_context(district.schema_name):
        theme = Theme.objects.first()
    if theme is None:
        raise NotFound("本平台尚无主题设置", code="NOT_FOUND")
    return theme


def district_theme_update(*, district: District, changes: ThemeChanges, actor: Actor) -> Theme:
    """Change the district's theme; the fields that changed, with their new values, go to the
    platform audit log (`district.theme_update`), nothing when nothing changed."""
    _check(district)
    with transaction.atomic(), schema_context(district.schema_name):
        before = Theme.objects.select_for_update().first()
        previous = {f: getattr(before, f) for f in EDITABLE_FIELDS} if before else {}
        theme = theme_update(actor=actor, changes=changes)
        changed = {f: getattr(theme, f) for f in EDITABLE_FIELDS
                   if getattr(theme, f) != previous.get(f)}  # fmt: skip
        if changed:
            platform_audit_record(
                actor=actor,
                action="district.theme_update",
                district_schema=district.schema_name,
                details=changed,
            )
    return theme


def district_theme_set_logo(*, district: District, logo: IO[bytes], actor: Actor) -> Theme:
    """Replace the district's logo (PNG or JPG, 5 MB at most), audited as
    `district.theme_logo_set`."""
    _check(district)
    with transaction.atomic(), schema_context(district.schema_name):
        theme = theme_set_logo(actor=actor, logo=logo)
        platform_audit_record(
            actor=actor,
            action="district.theme_logo_set",
            district_schema=district.schema_name,
            details={"logo": theme.logo},
        )
    return theme
