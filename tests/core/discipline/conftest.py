"""万州 with the three companies of issue 23's journey, a 财政局 and its subsidy matter:
第1 on the serious-dishonesty list, 第2 on the red list, 第4 with a licence only (nothing to
find), 第3 with a serious penalty in its publicity window."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django_tenants.utils import schema_context

from core.catalog.models import Department
from core.common.actors import Actor
from core.discipline.enums import MatterCategory
from core.discipline.models import Check, Matter
from core.discipline.services import check_run, matter_register
from tests.core.collection.conftest import district, upload  # noqa: F401  (fixture)
from tests.core.collection.files import (
    as_csv,
    as_record_csv,
    licence,
    licence_2016,
    listing,
    penalty,
    uscc,
)

FINANCE_CODE = uscc(7654001, head="11500101")
BLACK, RED, PENALISED, CLEAN = uscc(1), uscc(2), uscc(3), uscc(4)
CLERK = Actor.system("tests")


@dataclass(frozen=True)
class Setting:
    finance: Department
    market: Department
    matter: Matter


@pytest.fixture
def subsidy(district: Department) -> Iterator[Setting]:  # noqa: F811
    with schema_context("wanzhou"):
        lists = as_record_csv([
            listing(1),
            listing(2, LX="守信激励", NR="2025年度守合同重信用企业", YXQZI="2028-06-01"),
        ])  # fmt: skip
        assert upload(district, lists, "名单.csv").stored == 2
        serious = penalty(3, XDR_SHXYM=PENALISED, XDR_MC="重庆市万州区第3建设有限公司",
                          CFLB="责令停产停业", YZCD="严重", JDRQ="2026-10-09")  # fmt: skip
        assert upload(district, as_csv([serious])).stored == 1
        assert upload(district, licence_2016(licence(4)), "许可.csv").stored == 1
        finance = Department.objects.create(code=FINANCE_CODE, name="重庆市万州区财政局")
        matter = matter_register(
            actor=CLERK, department=finance, name="中小企业发展专项资金补助",
            category=MatterCategory.SUBSIDY,
            legal_basis="《重庆市社会信用条例》第三十二条；《万州区中小企业发展专项资金管理办法》第九条",
            feedback_days=5,
        )  # fmt: skip
        yield Setting(finance, district, matter)


def check_of(setting: Setting, *entries: str) -> Check:
    """A 财政局 check of `entries` for the subsidy matter."""
    return check_run(actor=CLERK, department=setting.finance, matter=setting.matter,
                     entries=list(entries))  # fmt: skip
