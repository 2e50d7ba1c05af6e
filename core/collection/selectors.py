"""Reads for uploads: batches, their column mapping as the clerk sees it, mapping profiles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.core.files.storage import default_storage
from django.db.models import QuerySet

from core.accounts.models import User
from core.accounts.policy import can
from core.catalog.permissions import DEPARTMENT_DATA, department_id_of
from core.collection.layouts import KIND_NAMES, origin_of, propose
from core.collection.models import MappingProfile, UploadBatch
from core.collection.permissions import UPLOADS_VIEW_ALL
from core.collection.readers import TableHead, read_head
from core.common.errors import NotFound
from core.records.fields import FIELD_SETS
from core.records.headers import CHECK_PREFIX, IGNORE, OPEN_STATUSES, ColumnStatus, recognise
from core.records.layout import Layout, Shaper, layout_problems


def batch_list_for(actor: User) -> QuerySet[UploadBatch]:
    """Batches the actor may see: every department's for admins, reviewers and auditors; their own
    department's for clerks; none for others."""
    batches = UploadBatch.objects.select_related("department").order_by("-created_at", "-id")
    return _seen_by(actor, batches)


_Scoped = TypeVar("_Scoped", UploadBatch, MappingProfile)


def _seen_by(actor: User, rows: QuerySet[_Scoped]) -> QuerySet[_Scoped]:
    """Every department's rows for admins, reviewers and auditors; a clerk's own department's;
    none for others."""
    if can(actor, UPLOADS_VIEW_ALL):
        return rows
    own = department_id_of(actor)
    if own is not None and can(actor, DEPARTMENT_DATA, own):
        return rows.filter(department_id=own)
    return rows.none()


def batch_access_by_id(actor: User, batch_id: int) -> UploadBatch:
    """One batch the actor may see; the same NotFound whether it is missing or not theirs."""
    batch = batch_list_for(actor).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound("没有这个上传批次", code="NOT_FOUND")
    return batch


@dataclass(frozen=True)
class MappingColumn:
    number: int  # from 1
    header: str
    status: str  # a ColumnStatus, or "mapped"/"ignored" when a profile or the clerk decided
    status_label: str
    note: str
    target: str | None  # the decided field code, IGNORE_CHOICE, a check, or None (undecided)
    samples: list[str]


@dataclass(frozen=True)
class MappingView:
    """A batch's mapping as the clerk sees it: each column of the file with what it was matched
    to and its first values, the fields the platform derives, and the first rows as they will
    be read."""

    kind: str
    kind_name: str
    sheet_name: str
    sheets: int
    header_row: int
    columns: list[MappingColumn]
    choices: list[tuple[str, str]]  # (field code, label) in the standard's order
    derivations: list[tuple[str, str]]  # (field label, how)
    preview_labels: list[str]
    preview: list[list[tuple[str, bool]]]  # per row: (value, derived?) per field
    problems: list[str]
    profile: dict[str, Any] | None
    confirmed_by: str
    confirmed_at: datetime | None


IGNORE_CHOICE = "-"  # what the form sends for "ignore this column"


def batch_mapping_view(
    batch: UploadBatch, *, kind: str | None = None, decisions: dict[int, str] | None = None
) -> MappingView:
    """The batch's mapping (or, with `kind`, the proposal for reading the file as that kind; with
    `decisions`, as the clerk last chose, with what still stops it), with the file's first rows
    as kept at upload."""
    mapping = batch.mapping
    if "samples" in mapping:
        head = TableHead(
            sheet=mapping["sheet"],
            sheet_name=mapping["sheet_name"],
            header_row=mapping["header_row"],
            headers=mapping["headers"],
            samples=mapping["samples"],
            sheets=mapping["sheets"],
        )
    else:
        with default_storage.open(batch.file_name_in_storage, "rb") as handle:
            head = read_head(handle, batch.filename)
    chosen = kind or batch.kind or None
    stored = mapping.get("layout")
    if chosen and stored and stored["prefix"] == chosen:
        layout: Layout | None = Layout.from_json(stored)
        problems = list(mapping.get("problems") or [])
    elif chosen:
        proposal = propose(batch.department, head, chosen)
        layout, problems = proposal.layout, proposal.problems
    else:
        layout, problems = None, list(mapping.get("problems") or [])
    if layout is not None and decisions is not None:
        layout = layout.decided(decisions)
        problems = layout_problems(layout)
    columns = []
    notes = {c.index: c for c in recognise(head.headers, chosen)} if chosen else {}
    for index, header in enumerate(head.headers):
        target = layout.columns.get(index) if layout else None
        column = notes.get(index)
        samples = [row[index] if index < len(row) else "" for row in head.samples]
        recognised_as = (
            CHECK_PREFIX + column.code if column and column.status == ColumnStatus.CHECKED else ""
        ) or (column.code if column and column.status not in OPEN_STATUSES else None)
        if target is not None and column is not None and target not in (recognised_as, IGNORE):
            note, label, status = "按映射方案", "已映射", "mapped"
        elif target == IGNORE and column is not None and column.status in OPEN_STATUSES:
            note, label, status = "按映射方案忽略", "不导入", "ignored"
        else:
            note = column.note if column else ""
            label = column.status_label if column else "未识别"
            status = column.status.value if column else ColumnStatus.UNKNOWN.value
        columns.append(
            MappingColumn(
                index + 1,
                header,
                status,
                label,
                note,
                IGNORE_CHOICE if target == IGNORE else target,
                samples,
            )
        )
    specs = FIELD_SETS[chosen] if chosen else []
    derivations, preview = [], []
    if layout is not None:
        labels = {s.code: s.label for s in specs}
        derivations = [(labels[code], how) for code, how in layout.derived().items()]
        if not layout.undecided:
            shaper = Shaper(layout, origin_of(batch.department))
            for row in head.samples:
                shaped = shaper.shape(row)
                preview.append(
                    [
                        (value, s.code in shaped.derived)
                        for s, value in zip(specs, shaped.values, strict=True)
                    ]
                )
    confirmed_at = mapping.get("confirmed_at")
    return MappingView(
        kind=chosen or "",
        kind_name=KIND_NAMES.get(chosen or "", ""),
        sheet_name=head.sheet_name,
        sheets=head.sheets,
        header_row=head.header_row,
        columns=columns,
        choices=[(s.code, s.label) for s in specs],
        derivations=derivations,
        preview_labels=[s.label for s in specs],
        preview=preview,
        problems=problems,
        profile=mapping.get("profile"),
        confirmed_by=mapping.get("confirmed_by", ""),
        confirmed_at=datetime.fromisoformat(confirmed_at) if confirmed_at else None,
    )


def mapping_profiles_for(actor: User) -> QuerySet[MappingProfile]:
    """Saved mapping profiles of the departments whose batches the actor may see."""
    profiles = MappingProfile.objects.select_related("department")
    return _seen_by(actor, profiles.order_by("department", "-saved_at"))
