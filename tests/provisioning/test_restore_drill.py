"""A restore drill (an archive restored beside its live district, issue 22 point 5) is labelled as
one and stays out of the choices where a real district is meant: exchange partners, prices,
contracts and key scopes. A restore whose district is gone is a real district again."""

from __future__ import annotations

from pathlib import Path

import pytest
from django import forms
from django.utils import timezone

from billing.admin.catalogue import PriceForm
from billing.admin.contracts import ContractForm
from core.common.actors import Actor
from exchange.selectors import partner_districts
from provisioning.services.backup import district_import
from tenants.enums import DistrictStatus
from tenants.models import District, PlatformAuditEntry
from tenants.routing import routing_changed
from tests.core.collection.conftest import district, upload  # noqa: F401
from tests.provisioning.test_backup import archived  # noqa: F401

OPS = Actor.system("tests")


def _restore(archive: Path, slug: str, region_code: str = "500102") -> District:
    district_import(archive_path=archive, slug=slug, domain=f"{slug.replace('_', '-')}.localhost",
                    region_code=region_code, actor=OPS)  # fmt: skip
    return District.objects.get(schema_name=slug)


@pytest.mark.django_db
def test_a_drill_is_labelled_and_kept_out_of_the_choices(
    archived: Path,  # noqa: F811
    wanzhou: District,
    kaizhou: District,
) -> None:
    drill = _restore(archived, "wanzhou_drill")

    today = timezone.localdate()
    assert drill.restore_drill_on == today
    assert str(drill) == f"万州区（恢复演练 {today:%Y-%m-%d}）"
    assert str(wanzhou) == "万州区"
    entry = PlatformAuditEntry.objects.get(action="district.restore")
    assert entry.details["drill"] is True

    assert wanzhou in partner_districts(district=kaizhou)
    assert drill not in partner_districts(district=kaizhou)
    for form in (PriceForm(), ContractForm()):
        field = form.fields["district"]
        assert isinstance(field, forms.ModelChoiceField)
        choices = [str(row) for row in field.queryset or []]
        assert "万州区" in choices
        assert not [label for label in choices if "恢复演练" in label]
    refused = PriceForm(data={"district": str(drill.pk)})
    assert "district" in refused.errors


@pytest.mark.django_db
def test_a_restore_of_a_purged_district_is_no_drill(
    archived: Path,  # noqa: F811
    wanzhou: District,
) -> None:
    # As after district_purge (its row stays, status purged; dropping schemas inside a test's
    # transaction is not possible).
    District.objects.filter(pk=wanzhou.pk).update(status=DistrictStatus.PURGED)
    routing_changed()  # update() sends no signal (tenants/routing.py)

    restored = _restore(archived, "wanzhou_new", region_code="")

    assert restored.restore_drill_on is None
    assert str(restored) == "万州区"
