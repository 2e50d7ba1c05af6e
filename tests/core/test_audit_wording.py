"""Every action the code writes to the audit log has its Chinese sentence (core/audit/wording.py):
the actions are found in the source, so a new one cannot be added without its wording."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from core.audit.wording import CATEGORIES, SENTENCES, detail_lines, sentence
from core.collection.models import SubmissionStatus

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "console", "portal", "portal_theme", "graphql_api", "provisioning", "billing",
            "exchange", "tenants")  # fmt: skip
# Functions that pass their `action` on to audit_record.
WRITERS = {"audit_record", "_login_audit", "_audit", "_audit_params"}
ACTION = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")


def _constants(node: ast.AST) -> set[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        a, b = _constants(node.body), _constants(node.orelse)
        return a | b if a is not None and b is not None else None
    if isinstance(node, ast.JoinedStr) and ast.unparse(node) == "f'submission.{status}'":
        return {f"submission.{s}" for s in SubmissionStatus.values if s != SubmissionStatus.PENDING}
    return None


def _assigned(function: ast.AST, name: str) -> set[str] | None:
    found: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            values = _constants(node.value)
            if values is None:
                return None
            found |= values
    return found or None


def written_actions() -> tuple[set[str], list[str]]:
    """The actions, and the calls whose action could not be read (a test failure)."""
    actions: set[str] = set()
    unread: list[str] = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
            for function in functions:
                params = {a.arg for a in function.args.args + function.args.kwonlyargs}
                for call in ast.walk(function):
                    if not isinstance(call, ast.Call):
                        continue
                    callee = getattr(call.func, "id", getattr(call.func, "attr", ""))
                    if callee not in WRITERS:
                        continue
                    values = [k.value for k in call.keywords if k.arg == "action"]
                    if callee == "_audit":
                        values = call.args[2:3]
                    if callee == "_audit_params":
                        values = call.args[2:3]
                    for value in values:
                        if isinstance(value, ast.Name) and value.id in params:
                            continue  # a writer passing its own `action` on
                        got = _constants(value)
                        if got is None and isinstance(value, ast.Name):
                            got = _assigned(function, value.id)
                        if got is None:
                            unread.append(f"{path.relative_to(ROOT)}:{call.lineno}")
                        else:
                            actions |= {a for a in got if ACTION.match(a)}
    return actions, unread


def test_every_action_written_has_a_sentence() -> None:
    actions, unread = written_actions()

    assert unread == []
    assert {"record.store", "record.update", "batch.upload", "submission.accepted",
            "exchange.agreement_proposed", "login.locked", "report.issue"} <= actions  # fmt: skip
    assert sorted(actions - SENTENCES.keys()) == []
    assert sorted(SENTENCES.keys() - actions) == []


def test_every_action_is_in_a_category() -> None:
    prefixes = tuple(p for _, ps in CATEGORIES.values() for p in ps)

    assert [a for a in SENTENCES if not a.startswith(prefixes)] == []


def test_sentences_and_details_read_as_chinese() -> None:
    assert (
        sentence("batch.upload", actor="张三（数据录入员，市场监管局）", file="处罚.csv")
        == "张三（数据录入员，市场监管局）上传了文件“处罚.csv”"
    )
    assert sentence("record.store", actor="系统（数据入库）", record="万州市监罚〔2026〕1号") == (
        "系统（数据入库）存储了记录 万州市监罚〔2026〕1号"
    )
    assert detail_lines({"reason": "复议撤销", "within_3_days": True, "fields": ["a", "b"]}) == [
        "原因：复议撤销", "3日内撤回：是", "字段：a、b",
    ]  # fmt: skip
