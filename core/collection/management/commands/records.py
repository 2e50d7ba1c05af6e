"""`manage.py records import --district <slug> --department <code> FILE`: the upload pipeline from
the command line for bulk loads. Prints the per-row summary and the rejected-rows file; exits
non-zero when any row was rejected or the file could not be read.

Like the console, nothing is stored from a file whose columns are not all placed: the command
prints each column it could not place and stops, unless told what to do with them (`--mapping
FILE`, a CSV of 文件表头,对应字段 lines; or `--ignore-unknown`). The decisions are saved as the
department's mapping profile, as a clerk's are."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django_tenants.utils import schema_context

from core.catalog.models import Department
from core.collection.layouts import decisions_from_file
from core.collection.models import UploadBatch, UploadBatchStatus
from core.collection.readers import read_head
from core.collection.selectors import batch_mapping_view
from core.collection.services import batch_create, batch_ingest, batch_mapping_confirm
from core.common.actors import Actor
from core.common.commands import Command as ProjectCommand
from core.common.errors import ApplicationError
from core.records.fields import FIELD_SETS
from core.records.headers import ColumnStatus, detect_kind
from core.storage.api import where_stored
from tenants.selectors import district_get


class Command(ProjectCommand):
    help = "Import national-format department files (CSV or XLSX) into a district."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="import one file")
        load.add_argument("--district", required=True, help="the district's slug")
        load.add_argument("--department", required=True, help="the department's 统一社会信用代码")
        load.add_argument(
            "--mapping",
            help="列映射文件（CSV，每行“文件表头,对应字段”；字段可写代码、中文名称或“忽略”）",
        )
        load.add_argument(
            "--ignore-unknown", action="store_true", help="忽略平台未识别的列（不导入）"
        )
        load.add_argument(
            "--kind", choices=sorted(FIELD_SETS), help="文件类别（无法由表头判断时）：XK、CF或JL"
        )
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
                # A mapping file is read before anything is uploaded: its mistakes stop here.
                decisions = self._decisions(path, options) if options["mapping"] else None
                with path.open("rb") as handle:
                    batch = batch_create(
                        actor=Actor.cli(),
                        department=department,
                        filename=path.name,
                        content=handle,
                        size=path.stat().st_size,
                        hold=decisions is not None,  # the mapping file decides, not a profile
                    )
                if batch.status == UploadBatchStatus.MAPPING:
                    batch = self._map(batch, options, decisions or {})
                # With a broker, a worker may have taken the batch already: wait for it.
                batch = batch_ingest(batch_id=batch.pk, wait=True)
                self._report(batch)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

    def _decisions(self, path: Path, options: dict[str, Any]) -> dict[int, str]:
        mapping_path = Path(options["mapping"])
        if not mapping_path.is_file():
            raise CommandError(f"映射文件不存在：{mapping_path}")
        with path.open("rb") as handle:
            headers = read_head(handle, path.name).headers
        kind = options["kind"] or detect_kind(headers)
        if kind is None:
            raise CommandError("无法由表头判断文件类别，请用 --kind 指定（XK、CF或JL）")
        return decisions_from_file(mapping_path.read_bytes(), kind=kind, headers=headers)

    def _map(
        self, batch: UploadBatch, options: dict[str, Any], decisions: dict[int, str]
    ) -> UploadBatch:
        """Place the columns the platform could not, as the options say; or stop, saying which."""
        kind = options["kind"] or batch.kind
        if not kind:
            raise CommandError(
                f"批次 {batch.pk} 未导入：无法由表头判断文件类别，请用 --kind 指定（XK、CF或JL）"
            )
        if options["ignore_unknown"]:
            proposed = batch_mapping_view(batch, kind=kind)
            for column in proposed.columns:
                unknown = column.status in (ColumnStatus.UNKNOWN, ColumnStatus.BLANK)
                if unknown and column.target is None and column.number - 1 not in decisions:
                    decisions[column.number - 1] = ""
                    self.stdout.write(f"忽略第{column.number}列“{column.header}”")
        try:
            return batch_mapping_confirm(
                actor=Actor.cli(), batch=batch, kind=kind, decisions=decisions
            )
        except ApplicationError as exc:
            problems = exc.details.get("problems") or [exc.message]
            self.stderr.write("列映射未完成，文件未导入：")
            for problem in problems:
                self.stderr.write(f"  - {problem}")
            raise CommandError(
                f"批次 {batch.pk} 等待列映射：用 --mapping 映射文件指定这些列，"
                "或用 --ignore-unknown 忽略未识别的列；也可在管理后台“数据上传”中确认"
            ) from exc

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
