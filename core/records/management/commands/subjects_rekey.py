"""After rotating SUBJECT_LOOKUP_KEY or SUBJECT_DATA_KEY: re-hash and re-encrypt every district's
identity numbers (subjects, and the numbers sealed in records) with the current keys (the earlier ones in *_FALLBACKS), then the fallbacks can
go. Idempotent.

    manage.py subjects_rekey [--district SLUG]
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django_tenants.utils import schema_context

from core.common.actors import Actor
from core.common.commands import Command as ProjectCommand
from core.records.services import records_reseal
from core.subjects.services import subjects_rekey
from tenants.enums import DistrictKind, DistrictStatus
from tenants.models import District


class Command(ProjectCommand):
    help = "Re-hash and re-encrypt identity numbers with the current keys, in every district."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--district", default="", help="one district's slug (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        districts = District.objects.filter(kind=DistrictKind.DISTRICT).exclude(
            status=DistrictStatus.PURGED
        )
        if options["district"]:
            districts = districts.filter(schema_name=options["district"])
            if not districts.exists():
                raise CommandError(f"没有标识为“{options['district']}”的区县")
        actor = Actor.cli()
        for district in districts.order_by("schema_name"):
            with schema_context(district.schema_name):
                done = subjects_rekey(actor=actor)
                resealed = records_reseal()
            self.stdout.write(
                f"{district.name}（{district.schema_name}）：{done.subjects}个主体，更新{done.changed}个；"
                f"{resealed.records}条记录含证件号码，更新{resealed.changed}条"
            )
