"""The permission policy in templates (portal_theme/templatetags/policy.py): the filter asks
core.accounts.policy, every domain's permissions are declared for it, and the console's menu shows
each role the pages it may use."""

from __future__ import annotations

import ast
import re

import pytest

from core.accounts.enums import StaffRole
from core.accounts.models import User
from portal_theme.templatetags.policy import can
from tests.architecture.test_rules import ROOT, python_files
from tests.conftest import make_staff
from tests.support.pages import signed_in

EVERYONE = ["/console/", "/console/uploads/", "/console/records/new/", "/console/subjects/",
            "/console/scoring/", "/console/stats/"]  # fmt: skip
MENU = {
    StaffRole.DISTRICT_ADMIN: [
        *EVERYONE, "/console/submissions/", "/console/remedies/", "/console/consents/",
        "/console/articles/", "/console/catalogue/", "/console/staff/", "/console/theme/",
        "/console/upstream/", "/console/exchange/lookup/", "/console/exchange/",
        "/console/audit/", "/console/discipline/check/", "/console/discipline/feedback/",
    ],
    StaffRole.REVIEWER: [
        *EVERYONE, "/console/submissions/", "/console/remedies/", "/console/consents/",
        "/console/articles/", "/console/exchange/lookup/", "/console/discipline/check/", "/console/discipline/feedback/",
    ],
    StaffRole.AUDITOR: [
        *EVERYONE, "/console/submissions/", "/console/remedies/", "/console/exchange/",
        "/console/audit/", "/console/discipline/check/", "/console/discipline/feedback/",
    ],
    StaffRole.WINDOW_CLERK: [*EVERYONE, "/console/remedies/", "/console/exchange/lookup/"],
    StaffRole.DATA_CLERK: [*EVERYONE, "/console/exchange/lookup/", "/console/discipline/check/", "/console/discipline/feedback/"],
}  # fmt: skip


def test_the_filter_asks_the_policy() -> None:
    auditor = User(email="a@wanzhou.test", role=StaffRole.AUDITOR, is_active=True)

    assert can(auditor, "audit.view")
    assert not can(auditor, "staff.manage")
    assert not can(User(role=StaffRole.AUDITOR, is_active=False), "audit.view")
    with pytest.raises(KeyError):
        can(auditor, "audit.veiw")


def test_every_domains_permissions_are_declared_for_templates() -> None:
    declaring = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in python_files("core", "tenants", "provisioning", "billing", "exchange")
        if path.name == "permissions.py"
    }
    tags = ast.parse((ROOT / "portal_theme/templatetags/policy.py").read_text(encoding="utf-8"))
    imported = {
        a.name for node in ast.walk(tags) if isinstance(node, ast.Import) for a in node.names
    }

    assert sorted(declaring - imported) == []


@pytest.mark.parametrize("role", list(MENU), ids=str)
def test_the_menu_shows_each_role_the_pages_it_may_use(wanzhou: object, role: StaffRole) -> None:
    page = signed_in(make_staff("wanzhou", f"{role}@wanzhou.test", role)).get("/console/")
    nav = page.content.decode().split('<nav class="console-nav"', 1)[1].split("</nav>", 1)[0]

    assert sorted(re.findall(r'<a href="([^"]+)">', nav)) == sorted(MENU[role])


def test_the_menu_groups_its_pages_and_hides_an_empty_group(wanzhou: object) -> None:
    page = signed_in(make_staff("wanzhou", "auditor@wanzhou.test", StaffRole.AUDITOR)).get(
        "/console/"
    )
    nav = page.content.decode().split('<nav class="console-nav"', 1)[1].split("</nav>", 1)[0]

    assert re.findall(r'aria-haspopup="true">([^<]+)</button>', nav) == [
        "数据归集", "信用主体", "信用服务", "系统管理",
    ]  # fmt: skip
