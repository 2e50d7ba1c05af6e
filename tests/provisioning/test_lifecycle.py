from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.utils import timezone
from django_tenants.utils import schema_context, schema_exists

from core.common.actors import Actor
from core.common.errors import ValidationFailed
from core.common.tenancy import use_public_schema
from provisioning.services.lifecycle import (
    district_archive,
    district_deletion_cancel,
    district_purge,
    district_purge_due,
    district_request_deletion,
    district_resume,
    district_suspend,
)
from tenants.enums import DistrictStatus
from tenants.models import District, Domain, PlatformAuditEntry
from tests.conftest import client_for, gql

ACTOR = Actor.cli()


def status_of(slug: str) -> str:
    return District.objects.get(schema_name=slug).status


@pytest.mark.django_db
def test_suspended_district_shows_a_maintenance_page_and_refuses_the_api(wanzhou: District) -> None:
    district_suspend(district=wanzhou, actor=ACTOR, reason="合同到期")
    client = client_for("wanzhou.localhost")

    page = client.get("/")
    api = gql(client, "{ district { name } }")

    assert page.status_code == 503
    assert "系统维护中" in page.content.decode()
    assert page["Retry-After"] == "3600"
    assert api == {
        "errors": [
            {
                "message": "万州区信用平台暂停服务，请稍后再试",
                "extensions": {"code": "DISTRICT_SUSPENDED"},
            }
        ],
        "_status": 503,
    }
    assert client_for("kaizhou.localhost").get("/").status_code == 200


@pytest.mark.django_db
def test_resuming_brings_the_portal_back_with_its_data(wanzhou: District) -> None:
    district_suspend(district=wanzhou, actor=ACTOR)
    district_resume(district=wanzhou, actor=ACTOR)

    page = client_for("wanzhou.localhost").get("/")

    assert page.status_code == 200
    assert page.content.decode().count('data-testid="catalogue-category"') == 11


@pytest.mark.django_db
def test_every_step_is_audited_with_who_when_and_why(wanzhou: District) -> None:
    before = timezone.now()
    district_suspend(district=wanzhou, actor=ACTOR, reason="合同到期")
    district_resume(district=wanzhou, actor=Actor.system("ops"), reason="已续约")

    entries = list(
        PlatformAuditEntry.objects.filter(
            district_schema="wanzhou", occurred_at__gte=before
        ).order_by("id")
    )
    assert [(e.action, e.actor_label, e.details) for e in entries] == [
        (
            "district.suspend",
            ACTOR.label,
            {"from": "active", "to": "suspended", "reason": "合同到期"},
        ),
        (
            "district.resume",
            "system:ops",
            {"from": "suspended", "to": "active", "reason": "已续约"},
        ),
    ]


@pytest.mark.django_db
def test_archived_district_serves_reads_and_refuses_writes(
    wanzhou: District, wanzhou_admin: object
) -> None:
    district_archive(district=wanzhou, actor=ACTOR)
    client = client_for("wanzhou.localhost")
    with schema_context("wanzhou"):
        client.force_login(wanzhou_admin)  # type: ignore[arg-type]

    read = client.get("/")
    form_post = client.post("/console/", {})
    query = gql(client, "{ district { name } }")
    mutation = gql(
        client, 'mutation { themeUpdate(data: {bannerText: "新标语"}) { errors { code } } }'
    )

    assert read.status_code == 200
    assert form_post.status_code == 403
    assert "平台已归档" in form_post.content.decode()
    assert query["data"] == {"district": {"name": "万州区"}}
    assert mutation["data"] is None
    assert mutation["errors"][0]["message"] == "万州区信用平台已归档，只能查询，不能修改"
    assert mutation["errors"][0]["extensions"] == {"code": "DISTRICT_ARCHIVED"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("step", "message"),
    [
        (district_resume, "万州区当前状态为“运行中”，不能恢复运行"),
        (district_deletion_cancel, "万州区当前状态为“运行中”，不能撤销删除"),
        (district_purge, "万州区当前状态为“运行中”，不能清除"),
    ],
)
def test_steps_not_allowed_from_the_current_status_are_refused(
    wanzhou: District, step: object, message: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        step(district=wanzhou, actor=ACTOR)  # type: ignore[operator]

    assert caught.value.code == "INVALID_TRANSITION"
    assert caught.value.message == message
    assert status_of("wanzhou") == DistrictStatus.ACTIVE


@pytest.mark.django_db
def test_deletion_takes_the_district_offline_and_can_be_undone_to_the_previous_status(
    wanzhou: District,
) -> None:
    district_archive(district=wanzhou, actor=ACTOR)
    district_request_deletion(district=wanzhou, actor=ACTOR, reason="撤销")
    pending = District.objects.get(schema_name="wanzhou")

    assert pending.status == DistrictStatus.DELETION_PENDING
    assert pending.purge_after is not None
    assert timedelta(days=29, hours=23) < pending.purge_after - timezone.now() <= timedelta(days=30)
    assert client_for("wanzhou.localhost").get("/").status_code == 503

    district_deletion_cancel(district=pending, actor=ACTOR)

    restored = District.objects.get(schema_name="wanzhou")
    assert (restored.status, restored.purge_after, restored.status_before_deletion) == (
        DistrictStatus.ARCHIVED,
        None,
        "",
    )


@pytest.mark.django_db
def test_purge_waits_for_the_grace_period(wanzhou: District) -> None:
    district_request_deletion(district=wanzhou, actor=ACTOR, grace_days=30)

    with pytest.raises(ValidationFailed) as caught:
        district_purge(district=wanzhou, actor=ACTOR)

    assert caught.value.code == "GRACE_PERIOD"
    assert caught.value.message.startswith("万州区的宽限期到 ")
    assert schema_exists("wanzhou")


@pytest.mark.django_db
def test_purge_drops_the_schema_the_files_and_the_domains(
    wanzhou: District, settings: object, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
    with schema_context("wanzhou"):
        default_storage.save("reports/r1.pdf", ContentFile(b"%PDF-1.7"))
    with schema_context("kaizhou"):
        default_storage.save("reports/k1.pdf", ContentFile(b"%PDF-1.7"))
    district_request_deletion(district=wanzhou, actor=ACTOR, grace_days=0)

    purged = district_purge(district=wanzhou, actor=ACTOR)

    assert purged.status == DistrictStatus.PURGED
    assert not schema_exists("wanzhou")
    assert not Domain.objects.filter(domain="wanzhou.localhost").exists()
    assert not (tmp_path / "wanzhou").exists()
    assert (tmp_path / "kaizhou" / "reports" / "k1.pdf").exists()
    assert client_for("wanzhou.localhost").get("/").status_code == 404
    details = PlatformAuditEntry.objects.get(
        action="district.purge", district_schema="wanzhou"
    ).details
    assert details == {
        "from": "deletion_pending",
        "to": "purged",
        "reason": "",
        "domains_removed": ["wanzhou.localhost"],
        "files_deleted": 1,
    }


@pytest.mark.django_db
def test_purge_due_purges_only_districts_past_their_grace_period(
    wanzhou: District, kaizhou: District
) -> None:
    district_request_deletion(district=wanzhou, actor=ACTOR, grace_days=0)
    district_request_deletion(district=kaizhou, actor=ACTOR, grace_days=5)

    purged = district_purge_due(
        actor=Actor.system("purge-due"), now=timezone.now() + timedelta(hours=1)
    )

    assert purged == ["wanzhou"]
    assert status_of("wanzhou") == DistrictStatus.PURGED
    assert status_of("kaizhou") == DistrictStatus.DELETION_PENDING


@pytest.mark.django_db
def test_the_platform_audit_log_is_append_only(wanzhou: District) -> None:
    district_suspend(district=wanzhou, actor=ACTOR)
    entry = PlatformAuditEntry.objects.filter(district_schema="wanzhou").latest("id")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        PlatformAuditEntry.objects.filter(pk=entry.pk).update(action="district.resume")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        PlatformAuditEntry.objects.filter(pk=entry.pk).delete()
    use_public_schema()
