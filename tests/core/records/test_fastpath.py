"""The upload's fast path (SQL) against validate_row (Python), for penalty and licence files: every row SQL accepts, Python accepts
too, with the very same staged draft (subject claim, every record column, the stored fields and
their hash); the common rows take the fast path; everything else is left to Python."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection, transaction

from core.catalog.models import CatalogItem, CatalogSupply, Department
from core.collection.services import validation_context
from core.common.actors import Actor
from core.records.drafts import RecordDraft
from core.records.fastpath import FastPath
from core.records.headers import resolve_headers
from core.records.staging import DRAFT_COLUMNS, Provenance, RecordStage
from core.records.validation import validate_row
from core.subjects.protection import decrypt
from tests.core.collection.conftest import district  # noqa: F401 (fixture)
from tests.core.collection.files import penalty, uscc
from tests.core.upstream.conftest import licence

HEADERS = [f"CF_{code}" for code in [*penalty(1), "NR_WFFF", "BZ", "YZCD", "GSJZQ", "HYLY"]]
HEADERS += ["CF_XDR_ZJHM", "CF_XDR_GSZC", "CF_FR_ZJHM"]


def row(serial: int, **changes: str) -> dict[str, str]:
    return {"WSH": f"万州市监罚〔2026〕{serial}号", **changes}


# Decided under the 2023 rules, whose minimum depends on the field (领域).
IN_2023 = {"JDRQ": "2025-06-06", "YXQ": "2026-06-06"}
LIFTS = "《中华人民共和国特种设备安全法》第八十四条"


# Rows SQL must take (the common shapes of a department's penalty file).
FAST = {
    "plain": row(1),
    "individual business": row(2, XDR_LB="个体工商户"),
    "warning, no fine": row(3, CFLB="警告", NR_FK=""),
    "several categories": row(4, CFLB="罚款；没收违法所得", NR_WFFF="1.5"),
    "stated severity": row(5, YZCD="严重"),
    "serious by category": row(6, CFLB="吊销许可证件"),
    "minor by category": row(7, CFLB="通报批评", NR_FK=""),
    "spaces around values": row(8, XDR_MC="  重庆市万州区第8建设有限公司 ", NR_FK=" 0.2 "),
    "JSON escapes": row(9, SY='当事人称"无此事"\\，\t另附\n说明', BZ="=1+2"),
    "legal representative's number": row(10, FR_ZJHM="500101199001011234"),
    "large fine": row(11, NR_FK="9999999999.999999"),
    "same company again": row(12, XDR_MC="重庆市万州区第1建设有限公司（更名）"),
    "valid until the decision day": row(13, YXQ="2026-11-20"),
    "a stray carriage return, a backslash N": row(14, SY="第一段\r第二段", BZ="\\N", WSH="\\N"),
    "field by the legal basis": row(15, YJ=LIFTS, **IN_2023),
    "field by the facts": row(16, YJ="依据有关规定", SY="经查，当事人销售过期食品。", **IN_2023),
    "field stated": row(17, HYLY="消防", **IN_2023),
    "general stated over the legal basis": row(18, HYLY="一般领域", YJ=LIFTS, **IN_2023),
    "two fields in the legal basis": row(19, YJ=f"《消防法》第六十条、{LIFTS}", **IN_2023),
    "general, 2023 rules": row(50, **IN_2023),
    "field under the 2026 rules": row(51, YJ=LIFTS),
}
# Valid rows SQL leaves to Python (validate_row decides them).
PYTHON = {
    "natural person": row(20, XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM="11010519491231002X"),
    "legacy registration number": row(21, XDR_GSZC="500101000012345"),
    "another date format": row(22, JDRQ="2026/11/20"),
    "requested publicity end": row(23, GSJZQ="2027-06-01"),
    "lower-case code": row(24, XDR_SHXYM=uscc(24).lower()),
    "fine with a thousands separator": row(25, NR_FK="1,000"),
    "legal person with an ID number": row(26, XDR_ZJHM="11010519491231002X"),
    "field with a requested end": row(27, YJ=LIFTS, GSJZQ="2027-06-06", **IN_2023),
}
# Broken rows: Python rejects them, so SQL must not take them.
BROKEN = {
    "check character": row(30, XDR_SHXYM=uscc(30)[:17] + "Z"),
    "impossible date": row(31, JDRQ="2026-02-30"),
    "decided after supply": row(32, JDRQ="2026-12-01"),
    "negative fine": row(33, NR_FK="-1"),
    "too many decimals": row(34, NR_FK="0.1234567"),
    "fine missing": row(35, NR_FK=""),
    "unknown category": row(36, CFLB="罚金"),
    "unknown severity": row(37, YZCD="较重"),
    "valid until before the decision": row(38, YXQ="2026-11-19"),
    "missing name": row(39, XDR_MC=""),
    "name too long": row(40, XDR_MC="重" * 201),
    "other department's source": row(41, SJLYDM=uscc(41, head="11500101")),
    "authority code": row(42, CFJGDM="11500101ABC"),
    "unknown subject category": row(43, XDR_LB="企业"),
    "publicity end out of range": row(44, GSJZQ="2030-01-01"),
    "unknown field": row(45, HYLY="医疗器械"),
    "requested end before the field's minimum": row(46, YJ=LIFTS, GSJZQ="2026-01-06", **IN_2023),
}


def lrow(serial: int, **changes: str) -> dict[str, str]:
    return {"WSH": f"万州市监许〔2026〕{serial}号", **changes}


# The same for licence files (XK_).
LICENCE_FAST = {
    "plain": lrow(1),
    "individual business": lrow(2, XDR_LB="个体工商户"),
    "long term": lrow(3, YXQZI="长期"),
    "long term, spelled out": lrow(4, YXQZI="长期有效"),
    "long term as 9999-12-31": lrow(5, YXQZI="9999-12-31"),
    "valid from before the decision": lrow(6, YXQZ="2026-01-01"),
    "licensed by another category": lrow(7, XKLB="特许"),
    "legal representative's number": lrow(8, FR_ZJHM="500101199001011234"),
    "JSON escapes and a carriage return": lrow(9, NR='含"引号"\\与\r换行'),
}
LICENCE_PYTHON = {
    "natural person": lrow(20, XDR_LB="自然人", XDR_SHXYM="", XDR_ZJHM="11010519491231002X"),
    "another date format": lrow(21, YXQZI="2031/11/17"),
    "legacy organisation code": lrow(22, XDR_ZZJG="12345678-9"),
}
LICENCE_BROKEN = {
    "unknown category": lrow(30, XKLB="临时"),
    "ends before it starts": lrow(31, YXQZI="2026-11-01"),
    "impossible date": lrow(32, YXQZ="2026-02-30"),
    "decided after supply": lrow(33, JDRQ="2026-12-01"),
    "missing content": lrow(34, NR=""),
    "check character": lrow(35, XDR_SHXYM=uscc(35)[:17] + "Z"),
    "other department's source": lrow(36, LYDWDM=uscc(36, head="11500101")),
}
LICENCE_HEADERS = [f"XK_{code}" for code in [*licence(1), "XDR_ZJHM", "XDR_ZZJG", "FR_ZJHM"]]


def _cells(prefix: str, serial: int, changes: dict[str, str]) -> list[str]:
    values, headers = (
        (penalty(serial, **changes), HEADERS)
        if prefix == "CF"
        else (licence(serial, **changes), LICENCE_HEADERS)
    )
    return [values.get(h.split("_", 1)[1], "") for h in headers]


def _staged(cursor: Any, positions: list[int]) -> dict[int, tuple[Any, ...]]:
    """Staged drafts by position; ciphertexts (random each time) compared as what they decrypt to."""
    shown = [c for c in DRAFT_COLUMNS if c not in ("pos", "source_row", "id_cipher", "sealed")]
    cursor.execute(
        f"SELECT pos, sealed, {', '.join(shown)} FROM tmp_draft WHERE pos = ANY(%s)",  # noqa: S608
        [positions],
    )
    return {
        int(pos): ({k: decrypt(v) for k, v in json.loads(sealed).items()}, *rest)
        for pos, sealed, *rest in cursor.fetchall()
    }


@pytest.mark.parametrize(
    ("prefix", "fast", "python", "broken"),
    [("CF", FAST, PYTHON, BROKEN), ("XK", LICENCE_FAST, LICENCE_PYTHON, LICENCE_BROKEN)],
)
def test_sql_and_python_give_the_same_drafts(
    district: Department,  # noqa: F811
    prefix: str,
    fast: dict[str, dict[str, str]],
    python: dict[str, dict[str, str]],
    broken: dict[str, dict[str, str]],
) -> None:
    if prefix == "XK":
        CatalogSupply.objects.create(
            item=CatalogItem.objects.get(code="N03-01"), department=district
        )
    corpus = {**fast, **python, **broken}
    mapping = resolve_headers(HEADERS if prefix == "CF" else LICENCE_HEADERS, prefix)
    ctx = validation_context(department=district, prefix=prefix)
    path = FastPath.for_batch(prefix=prefix, mapping=mapping, ctx=ctx, department_id=district.pk)
    assert path is not None
    rows = {n: _cells(prefix, n, changes) for n, changes in enumerate(corpus.values(), start=2)}
    names = dict(zip(rows, corpus, strict=True))
    validated: dict[int, RecordDraft | list[Any]] = {
        n: validate_row(prefix, mapping.values(cells), ctx) for n, cells in rows.items()
    }

    with transaction.atomic(), connection.cursor() as cursor:
        stage = RecordStage(cursor, Provenance(actor=Actor.cli(), department_id=district.pk))
        accepted = path.stage(cursor, stage, path.prepare(list(rows.items())))
        # The same rows as Python drafts, staged at positions of their own.
        drafts = {n: d for n, d in validated.items() if isinstance(d, RecordDraft)}
        stage.add([(n + 1000, n, d) for n, d in drafts.items()])
        by_sql = _staged(cursor, sorted(accepted))
        by_python = _staged(cursor, [n + 1000 for n in drafts])
        transaction.set_rollback(True)

    assert {names[n] for n in accepted} == set(fast)
    assert {names[n] for n in drafts} == set(fast) | set(python), {
        names[n]: p for n, p in validated.items() if n not in drafts
    }
    for n in accepted:
        assert by_sql[n] == by_python[n + 1000], names[n]


def test_only_files_with_one_column_a_field_take_the_fast_path(
    district: Department,  # noqa: F811
) -> None:
    ctx = validation_context(department=district, prefix="CF")
    # The legacy file's two 处罚类别 columns are joined in Python.
    legacy = resolve_headers(["CF_CFLB1", "CF_CFLB2", *HEADERS], "CF")
    plain = resolve_headers(HEADERS, "CF")

    template = resolve_headers(["JL_LX", "JL_WSH", "JL_NR", "JL_JDRQ"], "JL")

    assert FastPath.for_batch(prefix="CF", mapping=legacy, ctx=ctx, department_id=1) is None
    assert FastPath.for_batch(prefix="JL", mapping=template, ctx=ctx, department_id=1) is None
    assert FastPath.for_batch(prefix="CF", mapping=plain, ctx=ctx, department_id=1)
