from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import schema_context

from core.catalog.models import Department
from tests.core.collection.files import DEPARTMENT_CODE, as_csv, penalty


@pytest.fixture
def department(wanzhou: object, settings: Any, tmp_path: Path) -> Department:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with schema_context("wanzhou"):
        return Department.objects.create(code=DEPARTMENT_CODE, name="市场监管局")


def run(*args: str) -> str:
    out = StringIO()
    call_command("records", *args, stdout=out)
    return out.getvalue()


def test_import_prints_the_summary(department: Department, tmp_path: Path) -> None:
    path = tmp_path / "处罚.csv"
    path.write_bytes(as_csv([penalty(1), penalty(2)]))

    lines = run(
        "import", "--district", "wanzhou", "--department", DEPARTMENT_CODE, str(path)
    ).splitlines()

    assert lines[0].endswith("共 2 行，新增 2，更新 0，重复 0，退回 0")
    assert lines[1].startswith("逐行结果：")
    assert lines[1].endswith(".csv")


def test_import_with_rejected_rows_exits_non_zero_and_names_the_file(
    department: Department, tmp_path: Path
) -> None:
    path = tmp_path / "处罚.csv"
    path.write_bytes(as_csv([penalty(1), penalty(2, JDRQ="昨天")]))
    out = StringIO()

    with pytest.raises(CommandError, match="1 行被退回"):
        call_command(
            "records",
            "import",
            "--district",
            "wanzhou",
            "--department",
            DEPARTMENT_CODE,
            str(path),
            stdout=out,
        )

    lines = out.getvalue().splitlines()
    assert lines[0].endswith("共 2 行，新增 1，更新 0，重复 0，退回 1")
    rejected = Path(lines[2].split("：", 1)[1])
    assert (
        rejected.read_text(encoding="utf-8-sig")
        .splitlines()[1]
        .endswith("处罚决定日期（CF_JDRQ）：日期格式应为yyyy-MM-dd，如2026-03-15")
    )


def test_an_unknown_department_is_a_clear_error(department: Department, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"x")

    with pytest.raises(CommandError, match="万州区没有统一社会信用代码为X的部门"):
        run("import", "--district", "wanzhou", "--department", "X", str(path))
