"""Opening a user's XLSX without letting it decompress into memory.

An XLSX is a zip archive, and a zip may declare a 300 MB member that compresses to 300 KB (a zip
bomb). So nothing parses or decompresses an uploaded XLSX before `xlsx_inspect` has read its
central directory and refused what no spreadsheet looks like: too many members, a directory out
of proportion, a member or the whole file expanding far beyond its compressed size, a part
openpyxl would load whole that is too large, encrypted members, compression other than deflate,
member data that overlaps (one stored byte counted many times), odd names and archives nested
inside. Only the directory is read for that, never a member.

Declared sizes are not trusted alone either: `xlsx_workbook` hands openpyxl an archive whose
members are decompressed in small pieces and stop at their declared size (the standard library
decompresses a whole member in one call when asked for all of it, however large the output,
before cutting it to the declared size).
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, Literal, cast

from django.conf import settings

from core.common.errors import ValidationFailed

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook

# A real spreadsheet compresses text perhaps 10–20×; far beyond that is a zip bomb. A member (or a
# whole file) expanding to less than RATIO_FLOOR is harmless whatever its ratio.
MAX_COMPRESSION_RATIO = 200
RATIO_FLOOR = 1024 * 1024
# Excel writes a dozen members for a one-sheet workbook; a few hundred for a large one.
MAX_MEMBERS = 1000
MAX_DIRECTORY_BYTES = 512 * 1024
# openpyxl loads every part whole except the worksheets (streamed): the shared strings, styles,
# theme, workbook, relationships. Styles of a messy real workbook reach a few MB.
MAX_PART_BYTES = 8 * 1024 * 1024
MAX_SHARED_STRINGS_BYTES = 256 * 1024 * 1024
STREAMED_PARTS = "xl/worksheets/"
SHARED_STRINGS = "xl/sharedStrings.xml"
NESTED_ARCHIVES = (
    ".zip", ".xlsx", ".xlsm", ".xltx", ".xlsb", ".docx", ".docm", ".pptx", ".jar",
    ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".tar", ".cab",
)  # fmt: skip
# Read a member in pieces of this size, so one read never decompresses more than this.
READ_CHUNK = 64 * 1024

_EOCD = struct.Struct("<4s4H2LH")
_EOCD_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_ZIP64_EOCD_SIGNATURE = b"PK\x06\x06"
_LOCAL_HEADER_BYTES = 30
DAMAGED = "文件已损坏或不是有效的XLSX文件"


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="BAD_FILE", field="file")


def _shown(name: str) -> str:
    """A member's name as a message may show it: printable, at most 60 characters."""
    printable = "".join(c if c.isprintable() else "?" for c in name)
    return printable if len(printable) <= 60 else printable[:57] + "..."


def _mb(size: int) -> str:
    return f"{size / 1048576:.0f} MB" if size >= 1048576 else f"{size / 1024:.0f} KB"


def _directory_counts(stream: IO[bytes], size: int) -> tuple[int, int]:
    """The member count and directory size the end-of-directory record declares (ZIP64 too),
    read from the last 64 KB of the file, before the directory itself is read."""
    tail_size = min(size, _EOCD.size + 0xFFFF)
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    at = tail.rfind(_EOCD_SIGNATURE)
    if at < 0 or len(tail) - at < _EOCD.size:
        raise _refuse(DAMAGED)
    _, disk, disk_cd, _, entries, cd_size, cd_offset, _ = _EOCD.unpack_from(tail, at)
    if disk != 0 or disk_cd != 0:
        raise _refuse(DAMAGED)
    if entries == 0xFFFF or 0xFFFFFFFF in (cd_size, cd_offset):
        locator_at = at - _ZIP64_LOCATOR.size
        if locator_at < 0:
            raise _refuse(DAMAGED)
        signature, _, zip64_at, _ = _ZIP64_LOCATOR.unpack_from(tail, locator_at)
        if signature != _ZIP64_LOCATOR_SIGNATURE or zip64_at > size - _ZIP64_EOCD.size:
            raise _refuse(DAMAGED)
        stream.seek(zip64_at)
        record = stream.read(_ZIP64_EOCD.size)
        fields = _ZIP64_EOCD.unpack(record)
        if fields[0] != _ZIP64_EOCD_SIGNATURE:
            raise _refuse(DAMAGED)
        entries, cd_size = fields[7], fields[8]
    return entries, cd_size


def _check_member(info: zipfile.ZipInfo, seen: set[str]) -> None:
    name = info.filename
    parts = name.split("/")
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or ".." in parts
        or any(not c.isprintable() for c in name)
    ):
        raise _refuse(f"XLSX文件含有异常的成员名称“{_shown(name)}”，已拒绝")
    if name in seen:
        raise _refuse(f"XLSX文件中的“{_shown(name)}”出现了不止一次，已拒绝")
    seen.add(name)
    if info.flag_bits & 0x1:
        raise _refuse(f"XLSX文件中的“{_shown(name)}”已加密，请取消加密后上传")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _refuse(
            f"XLSX文件中的“{_shown(name)}”使用了不支持的压缩方式，请在Excel中另存为.xlsx后上传"
        )
    if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
        raise _refuse(f"XLSX文件中的“{_shown(name)}”大小与声明不符，已拒绝")
    if name.lower().endswith(NESTED_ARCHIVES):
        raise _refuse(
            f"XLSX文件内嵌了压缩包或其他Office文件“{_shown(name)}”，请删除嵌入的对象后上传"
        )
    if info.file_size > RATIO_FLOOR and info.file_size > info.compress_size * MAX_COMPRESSION_RATIO:
        raise _refuse(
            f"XLSX文件中的“{_shown(name)}”压缩比超过{MAX_COMPRESSION_RATIO}倍"
            "（疑似压缩炸弹），已拒绝"
        )
    if name.startswith(STREAMED_PARTS):
        return
    limit = MAX_SHARED_STRINGS_BYTES if name == SHARED_STRINGS else MAX_PART_BYTES
    if info.file_size > limit:
        raise _refuse(
            f"XLSX文件中的“{_shown(name)}”解压后{_mb(info.file_size)}，超过上限{_mb(limit)}，已拒绝"
        )


def _check_layout(members: list[zipfile.ZipInfo], size: int) -> None:
    """Each member's data lies within the file and after the previous member's: overlapping
    members (one compressed stream counted by many entries) are a known zip bomb."""
    ordered = sorted(members, key=lambda m: m.header_offset)
    for member, following in zip(ordered, [*ordered[1:], None], strict=True):
        end = member.header_offset + _LOCAL_HEADER_BYTES + member.compress_size
        bound = following.header_offset if following is not None else size
        if member.header_offset < 0 or end > bound:
            raise _refuse(
                f"XLSX文件结构异常：“{_shown(member.filename)}”的数据与其他成员重叠或超出文件"
                "（疑似压缩炸弹），已拒绝"
            )


def xlsx_inspect(stream: IO[bytes]) -> None:
    """Refuse an XLSX that could expand beyond what this server reads safely, from its central
    directory alone (nothing is decompressed); raise ValidationFailed (field "file") saying what
    is wrong. The stream is left at its start."""
    try:
        stream.seek(0, io.SEEK_END)
        size = stream.tell()
        entries, cd_size = _directory_counts(stream, size)
        if entries > MAX_MEMBERS:
            raise _refuse(
                f"XLSX文件含有{entries}个成员，超过上限{MAX_MEMBERS}个（疑似压缩炸弹），已拒绝"
            )
        if cd_size > MAX_DIRECTORY_BYTES:
            raise _refuse(
                f"XLSX文件的目录有{_mb(cd_size)}，超过上限{_mb(MAX_DIRECTORY_BYTES)}"
                "（疑似压缩炸弹），已拒绝"
            )
        stream.seek(0)
        try:
            with zipfile.ZipFile(stream) as archive:
                members = archive.infolist()
        except (zipfile.BadZipFile, ValueError, EOFError, struct.error) as exc:
            raise _refuse(DAMAGED) from exc
        if len(members) > MAX_MEMBERS:
            raise _refuse(
                f"XLSX文件含有{len(members)}个成员，超过上限{MAX_MEMBERS}个（疑似压缩炸弹），已拒绝"
            )
        seen: set[str] = set()
        for member in members:
            _check_member(member, seen)
        _check_layout(members, size)
        total = sum(m.file_size for m in members)
        limit = settings.COLLECTION_MAX_XLSX_EXPANDED_BYTES
        if total > limit:
            raise _refuse(f"XLSX文件解压后{_mb(total)}，超过上限{_mb(limit)}，请拆分后上传")
        if total > RATIO_FLOOR and total > size * MAX_COMPRESSION_RATIO:
            raise _refuse(
                f"XLSX文件整体压缩比超过{MAX_COMPRESSION_RATIO}倍（疑似压缩炸弹），已拒绝"
            )
        if "xl/workbook.xml" not in seen:
            raise _refuse(DAMAGED)
    finally:
        stream.seek(0)


class _CappedMember(io.BufferedIOBase):
    """A member being read: decompressed READ_CHUNK at a time, never more than `cap` bytes."""

    def __init__(self, member: IO[bytes], *, name: str, cap: int) -> None:
        super().__init__()
        self._member, self._name, self._cap, self._produced = member, name, cap, 0

    def readable(self) -> bool:
        return True

    def _piece(self, size: int) -> bytes:
        try:
            data = self._member.read(min(size, READ_CHUNK))
        except zipfile.BadZipFile as exc:  # a CRC that does not match: not what was declared
            raise _refuse(
                f"XLSX文件中的“{_shown(self._name)}”已损坏或与声明的内容不符，已拒绝"
            ) from exc
        self._produced += len(data)
        if self._produced > self._cap:
            raise _refuse(
                f"XLSX文件中的“{_shown(self._name)}”解压后超过声明的大小（疑似压缩炸弹），已拒绝"
            )
        return data

    def read(self, size: int | None = -1) -> bytes:
        wanted = -1 if size is None or size < 0 else size
        pieces = []
        while wanted != 0:
            piece = self._piece(READ_CHUNK if wanted < 0 else wanted)
            if not piece:
                break
            pieces.append(piece)
            if wanted > 0:
                wanted -= len(piece)
        return b"".join(pieces)

    def read1(self, size: int = -1) -> bytes:
        return self._piece(READ_CHUNK if size < 0 else size)

    def close(self) -> None:
        self._member.close()
        super().close()


class _CappedZipFile(zipfile.ZipFile):
    """A read-only archive whose members come out through _CappedMember, capped at their declared
    size (which xlsx_inspect has checked)."""

    def open(
        self,
        name: str | zipfile.ZipInfo,
        mode: Literal["r"] = "r",
        pwd: bytes | None = None,
        *,
        force_zip64: bool = False,
    ) -> IO[bytes]:
        if mode != "r":
            raise ValueError("a user's XLSX is only ever read")
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        member = super().open(info, "r", pwd)
        return cast(IO[bytes], _CappedMember(member, name=info.filename, cap=info.file_size))


@contextmanager
def xlsx_workbook(stream: IO[bytes], *, data_only: bool = True) -> Iterator[Workbook]:
    """The workbook (openpyxl, read-only) of an XLSX that passed xlsx_inspect, its members read
    under caps; closed afterwards. A damaged file raises ValidationFailed."""
    from openpyxl.reader.excel import ExcelReader

    xlsx_inspect(stream)
    try:
        reader = ExcelReader(stream, read_only=True, data_only=data_only)
        # openpyxl opens the archive itself; every read goes through `reader.archive` (and the
        # read-only worksheets through the workbook's copy of it), so swap in the capped one.
        reader.archive.close()
        reader.archive = _CappedZipFile(stream)
        reader.read()
    except ValidationFailed:
        raise
    except Exception as exc:  # openpyxl raises many kinds of errors on damaged files
        raise _refuse("XLSX文件已损坏，无法读取") from exc
    workbook = reader.wb
    try:
        yield workbook
    finally:
        workbook.close()
