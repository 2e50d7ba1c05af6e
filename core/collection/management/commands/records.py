"""`manage.py records import --district <slug> --department <code> FILE`: the upload pipeline from
the command line for bulk loads. Prints the per-row summary and the rejected-rows file; exits
non-zero when any row was rejected or the file could not be read."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context

from core.catalog.models import Department
from core.collection.models import UploadBatchStatus
from core.collection.services import batch_create, batch_ingest
from core.common.actors import Actor
from core.common.errors import ApplicationError
from core.storage.api import where_stored
from tenants.selectors import district_get


class Command(BaseCommand):
    help = "Import national-format department files (CSV or XLSX) into a district."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="import one file")
        load.add_argument("--district", required=True, help="the district's slug")
        load.add_argument("--department", required=True, help="the department's 统一社会信用代码")
        load.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            district = district_get(slug=options["district"])
            with schema_context(district.schema_name):
                department = Department.objects.filter(code=options["department"].upper()).first()
                if department is None:
                    raise CommandError(
                        f"{district.name}没有统一社会信用代码为{options['department']}的部门"
                    )
                with path.open("rb") as handle:
                    batch = batch_create(
                        actor=Actor.cli(),
                        department=department,
                        filename=path.name,
                        content=handle,
                        size=path.stat().st_size,
                    )
                # With a broker, a worker may have taken the batch already: wait for it.
                batch = batch_ingest(batch_id=batch.pk, wait=True)
                self._report(batch)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

    def _report(self, batch: Any) -> None:
        if batch.status == UploadBatchStatus.FAILED:
            raise CommandError(f"文件未导入：{batch.error}")
        self.stdout.write(
            f"批次 {batch.pk}：共 {batch.rows_done} 行，新增 {batch.stored}，更新 {batch.updated}，"
            f"重复 {batch.duplicate}，退回 {batch.rejected}"
        )
        self.stdout.write(f"逐行结果：{where_stored(batch.results_name)}")
        if batch.rejected:
            self.stdout.write(
                f"退回行文件（改正后可重新上传）：{where_stored(batch.rejected_name)}"
            )
            raise CommandError(f"{batch.rejected} 行被退回")
