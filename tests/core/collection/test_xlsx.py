"""A user's XLSX is judged from its zip directory before anything decompresses it, and its members
are read under caps (core/collection/xlsx.py; issue 18, item 2)."""

from __future__ import annotations

import io
import os
import struct
import tracemalloc
import zipfile
from collections.abc import Callable
from typing import Any

import pytest

from core.collection.readers import count_rows, read_rows
from core.collection.xlsx import xlsx_inspect
from core.common.errors import ValidationFailed
from tests.core.collection.files import (
    MB,
    THEME,
    as_xlsx,
    patched,
    penalty,
    workbook,
    write_spaces,
)


def directory_size(data: bytes) -> int:
    return int(struct.unpack_from("<L", data, len(data) - 22 + 12)[0])


@pytest.fixture(scope="module")
def theme_bomb() -> bytes:
    """The red team's file: a workbook whose theme expands from about 300 KB to 300 MB."""
    return workbook(skip=(THEME,), extra=lambda a: write_spaces(a, THEME, 300 * MB))


def peak_while(action: Callable[[], Any]) -> tuple[int, BaseException | None]:
    """The most memory Python allocated while `action` ran, and what it raised."""
    raised: BaseException | None = None
    tracemalloc.start()
    try:
        action()
    except Exception as exc:
        raised = exc
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak, raised


def test_a_bomb_is_refused_from_its_directory_without_decompressing(theme_bomb: bytes) -> None:
    peak, raised = peak_while(lambda: count_rows(io.BytesIO(theme_bomb), "bomb.xlsx"))

    assert isinstance(raised, ValidationFailed)
    assert (raised.field, raised.message) == (
        "file",
        "XLSX文件中的“xl/theme/theme1.xml”压缩比超过200倍（疑似压缩炸弹），已拒绝",
    )
    assert peak < 2 * MB


def test_a_member_that_expands_past_its_declared_size_is_cut_off(theme_bomb: bytes) -> None:
    # The directory says the theme is 8 KB; its data still expands to 300 MB.
    liar = patched(theme_bomb, THEME, file_size=8192)
    xlsx_inspect(io.BytesIO(liar))  # what the directory says is fine

    peak, raised = peak_while(lambda: list(read_rows(io.BytesIO(liar), "liar.xlsx")))

    assert isinstance(raised, ValidationFailed)
    assert raised.message == "XLSX文件中的“xl/theme/theme1.xml”已损坏或与声明的内容不符，已拒绝"
    assert peak < 50 * MB


def _many_members(archive: zipfile.ZipFile) -> None:
    for number in range(1001):
        archive.writestr(f"xl/extra/part{number}.xml", "<x/>")


def _long_names(archive: zipfile.ZipFile) -> None:
    for number in range(300):
        archive.writestr(f"xl/{number:04d}{'n' * 2000}.xml", "")


def _blank_megabytes(archive: zipfile.ZipFile) -> None:
    for number in range(100):  # each member below the ratio floor, together 100 MB
        write_spaces(archive, f"xl/worksheets/blank{number}.xml", MB)


def _large_styles(archive: zipfile.ZipFile) -> None:
    archive.writestr("xl/styles.xml", os.urandom(9 * MB // 2).hex())  # 9 MB, compresses 2×


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(
            lambda: b"PK\x03\x04 this is not a zip",
            "文件已损坏或不是有效的XLSX文件",
            id="not-a-zip",
        ),
        pytest.param(
            lambda: workbook(extra=_many_members),
            "XLSX文件含有1010个成员，超过上限1000个（疑似压缩炸弹），已拒绝",
            id="members",
        ),
        pytest.param(
            lambda: workbook(extra=_blank_megabytes),
            "XLSX文件整体压缩比超过200倍（疑似压缩炸弹），已拒绝",
            id="total-ratio",
        ),
        pytest.param(
            lambda: workbook(skip=("xl/styles.xml",), extra=_large_styles),
            "XLSX文件中的“xl/styles.xml”解压后9 MB，超过上限8 MB，已拒绝",
            id="part-size",
        ),
        pytest.param(
            lambda: workbook(extra=lambda a: a.writestr("../../etc/cron.d/x.xml", "<x/>")),
            "XLSX文件含有异常的成员名称“../../etc/cron.d/x.xml”，已拒绝",
            id="odd-name",
        ),
        pytest.param(
            lambda: workbook(extra=lambda a: a.writestr("xl/styles.xml", "<x/>")),
            "XLSX文件中的“xl/styles.xml”出现了不止一次，已拒绝",
            id="duplicate",
        ),
        pytest.param(
            lambda: workbook(extra=lambda a: a.writestr("xl/embeddings/Sheet1.xlsx", b"PK")),
            "XLSX文件内嵌了压缩包或其他Office文件“xl/embeddings/Sheet1.xlsx”，请删除嵌入的对象后上传",
            id="nested",
        ),
        pytest.param(
            lambda: patched(workbook(), "xl/styles.xml", flags=0x1),
            "XLSX文件中的“xl/styles.xml”已加密，请取消加密后上传",
            id="encrypted",
        ),
        pytest.param(
            lambda: workbook(
                extra=lambda a: a.writestr("xl/extra.xml", "<x/>", compress_type=zipfile.ZIP_BZIP2)
            ),
            "XLSX文件中的“xl/extra.xml”使用了不支持的压缩方式，请在Excel中另存为.xlsx后上传",
            id="bzip2",
        ),
        pytest.param(
            lambda: patched(workbook(), "docProps/core.xml", header_offset=0),
            "XLSX文件结构异常：“docProps/app.xml”的数据与其他成员重叠或超出文件（疑似压缩炸弹），已拒绝",
            id="overlap",
        ),
        pytest.param(
            lambda: workbook(skip=("xl/workbook.xml",)),
            "文件已损坏或不是有效的XLSX文件",
            id="no-workbook",
        ),
    ],
)
def test_what_no_spreadsheet_looks_like_is_refused_unread(
    build: Callable[[], bytes], message: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        xlsx_inspect(io.BytesIO(build()))

    assert (refused.value.code, refused.value.field, refused.value.message) == (
        "BAD_FILE",
        "file",
        message,
    )


def test_a_directory_out_of_proportion_is_refused() -> None:
    data = workbook(extra=_long_names)

    with pytest.raises(ValidationFailed) as refused:
        xlsx_inspect(io.BytesIO(data))

    size = directory_size(data)
    assert size > 512 * 1024
    assert refused.value.message == (
        f"XLSX文件的目录有{size / 1024:.0f} KB，超过上限512 KB（疑似压缩炸弹），已拒绝"
    )


def test_the_expanded_size_has_a_limit(settings: Any) -> None:
    settings.COLLECTION_MAX_XLSX_EXPANDED_BYTES = 16 * 1024
    data = workbook()
    expanded = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())

    with pytest.raises(ValidationFailed) as refused:
        xlsx_inspect(io.BytesIO(data))

    assert refused.value.message == (
        f"XLSX文件解压后{expanded / 1024:.0f} KB，超过上限16 KB，请拆分后上传"
    )


def test_a_real_workbook_is_read_and_counted() -> None:
    data = as_xlsx([penalty(1), penalty(2)])

    rows = list(read_rows(io.BytesIO(data), "处罚.xlsx"))

    assert count_rows(io.BytesIO(data), "处罚.xlsx") == 2
    assert [row[:2] for row in rows] == [
        ["CF_XDR_MC", "CF_XDR_LB"],
        ["重庆市万州区第1建设有限公司", "法人及非法人组织"],
        ["重庆市万州区第2建设有限公司", "法人及非法人组织"],
    ]
