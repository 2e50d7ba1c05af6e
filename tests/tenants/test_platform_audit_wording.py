"""Every action the code writes to the platform audit log has its Chinese sentence
(tenants/wording.py): the actions are found in the source, so a new one cannot be added without
its wording; and an entry reads as a sentence with 字段：值 details in Chinese."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tenants.wording import CATEGORIES, SENTENCES, detail_lines, sentence

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "provisioning", "billing", "exchange", "tenants", "graphql_api", "console")
ACTION = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
# Functions that pass their action on to platform_audit_record, with the prefix they add.
WRITERS = {
    "platform_audit_record": "",
    "_login_audit": "",
    "_audit": "",
    "_webhook_audit": "",
    "_set_status": "district.",
}


def _name(call: ast.Call) -> str:
    func = call.func
    return (
        func.id
        if isinstance(func, ast.Name)
        else func.attr
        if isinstance(func, ast.Attribute)
        else ""
    )


def _written_actions() -> set[str]:
    found: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            if "platform_audit_record" not in source:
                continue
            for node in ast.walk(ast.parse(source)):
                if not isinstance(node, ast.Call) or _name(node) not in WRITERS:
                    continue
                prefix = WRITERS[_name(node)]
                values = [k.value for k in node.keywords if k.arg == "action"] + list(node.args)
                for value in values:
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        action = prefix + value.value
                        if ACTION.match(action):
                            found.add(action)
    return found


def test_every_platform_action_written_has_a_sentence() -> None:
    written = _written_actions()
    assert {"district.onboard", "district.purge", "billing.key_issue", "login.locked",
            "exchange.agreement_proposed"} <= written  # fmt: skip
    assert sorted(written - SENTENCES.keys()) == []


def test_every_sentence_belongs_to_a_category() -> None:
    prefixes = tuple(prefix for _label, prefix in CATEGORIES.values())
    assert [a for a in SENTENCES if not a.startswith(prefixes)] == []


def test_an_entry_reads_as_a_chinese_sentence_with_its_details() -> None:
    assert sentence("district.onboard", actor="系统（演示数据）", district="万州区") == (
        "系统（演示数据）开通了区县万州区"
    )
    details = {"from": "active", "to": "suspended", "reason": "运营后台：暂停", "from_spare": False}
    assert detail_lines("district.suspend", details) == [
        "原状态：运行中", "新状态：已暂停", "原因：运营后台：暂停", "使用备用模式：否",
    ]  # fmt: skip
    assert detail_lines(
        "exchange.agreement_accepted",
        {"provider": "wanzhou", "products": ["full_report"]},
        district_names={"wanzhou": "万州区"},
        value_names={"products": {"full_report": "完整版信用报告"}},
    ) == ["提供方：万州区", "产品：完整版信用报告"]
    assert detail_lines(
        "district.restore", {"from": "wanzhou"}, district_names={"wanzhou": "万州区"}
    ) == ["来源区县：万州区"]
