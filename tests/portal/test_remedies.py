"""The portal's objection form: an applicant names a public record by its subject's code and the
document number; a person's records cannot be probed or disputed from it."""

from __future__ import annotations

from django_tenants.utils import schema_context

from core.catalog.models import Department
from core.records.models import Record
from core.remedies.models import Objection
from tests.conftest import client_for
from tests.core.collection.conftest import upload
from tests.core.collection.files import as_csv, penalty, uscc


def test_the_portal_takes_an_objection_by_code_and_document_number(record: Record) -> None:
    portal = client_for("wanzhou.localhost")

    page = portal.post("/objections/new/", {
        "code": uscc(1), "doc_number": "万州市监罚〔2026〕9号", "applicant_name": "张三",
        "applicant_phone": "13800000000", "reason": "该处罚决定已被撤销，请核实。",
    }).content.decode()  # fmt: skip
    assert "未找到该主体正在公示的这份文书" in page

    page = portal.post("/objections/new/", {
        "code": uscc(1), "doc_number": record.doc_number, "applicant_name": "张三",
        "applicant_phone": "13800000000", "reason": "该处罚决定已被撤销，请核实。",
    }).content.decode()  # fmt: skip
    assert 'data-testid="remedy-number">YY20261127-' in page
    with schema_context("wanzhou"):
        assert Objection.objects.get().channel == "portal"


def test_the_portal_cannot_probe_or_dispute_a_persons_records(department: Department) -> None:
    with schema_context("wanzhou"):
        upload(
            department,
            as_csv([penalty(9, XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM="11010519491231002X")]),
        )
        doc = Record.objects.get().doc_number

    page = client_for("wanzhou.localhost").post("/objections/new/", {
        "code": "11010519491231002X", "doc_number": doc, "applicant_name": "某人",
        "applicant_phone": "13800000000", "reason": "试探他人记录是否存在的请求。",
    }).content.decode()  # fmt: skip

    assert "未找到该主体正在公示的这份文书" in page
    with schema_context("wanzhou"):
        assert Objection.objects.count() == 0
