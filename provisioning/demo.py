"""Sample records for the demo districts (`manage.py demo_setup`): a market-regulation department
and two files ingested through the real pipeline (so subjects, publicity windows, scores and
statistics are all there to look at). Deterministic, and only when the district has no records."""

from __future__ import annotations

import csv
import io
import random
from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import schema_context

from core.accounts.enums import StaffRole
from core.accounts.models import User
from core.catalog.models import CatalogItem, CatalogSupply, Department
from core.collection.services import batch_create
from core.common.actors import Actor
from core.common.identifiers import org_code_check_character, uscc_check_character
from core.discipline.enums import MatterCategory
from core.discipline.models import Matter
from core.discipline.services import matter_register
from core.records.models import Record
from exchange.enums import ExchangePurpose
from exchange.models import Agreement
from exchange.scope import shareable_fields
from exchange.services.agreements import ScopeItem, agreement_accept, agreement_propose
from tenants.models import District

TRADES = [
    "建设",
    "商贸",
    "物流",
    "餐饮",
    "食品",
    "药房",
    "科技",
    "农业",
    "运输",
    "装饰",
    "汽修",
    "旅游",
]
VIOLATIONS = [
    ("未按规定公示年度报告", "罚款", "0.2"),
    ("销售不符合食品安全标准的食品", "罚款;没收违法所得", "1.5"),
    ("未取得许可从事经营活动", "罚款", "3"),
    ("虚假宣传", "罚款", "12"),
    ("未按规定设置安全警示标志", "警告", ""),
    ("无证经营且拒不改正", "吊销许可证件", ""),
]


def uscc(head: str, org: str) -> str:
    """A valid code: `head` (type and division, 8 characters), an organisation code with its check
    character, and the check character."""
    body = head + org + org_code_check_character(org)
    return body + uscc_check_character(body)


def _csv(rows: list[dict[str, str]], prefix: str, encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    codes = list(rows[0])
    writer.writerow([f"{prefix}_{c}" for c in codes])
    writer.writerows([[row[c] for c in codes] for row in rows])
    return out.getvalue().encode(encoding)


def demo_records_ensure(*, district_name: str, region: str) -> int:
    """Upload the sample files into the current district unless it has records (each is ingested
    when the upload commits); returns how many records the district has or will have."""
    if Record.objects.exists():
        return Record.objects.count()
    authority = uscc(f"11{region}", "MB000001")  # a state organ
    department, _ = Department.objects.get_or_create(
        code=authority, defaults={"name": f"重庆市{district_name}市场监督管理局"}
    )
    for code in ("N03-01", "N03-02"):
        CatalogSupply.objects.get_or_create(
            item=CatalogItem.objects.get(code=code), department=department
        )
    rng = random.Random(region)
    today = timezone.localdate()
    penalties, licences, lists = [], [], []
    for serial in range(1, 121):
        name = f"重庆市{district_name}{rng.choice(TRADES)}{serial}有限公司"
        subject = {
            "XDR_MC": name,
            "XDR_LB": "法人及非法人组织",
            "XDR_SHXYM": uscc(f"91{region}", f"{serial:08d}"),
        }
        decided = today - timedelta(days=rng.randint(1, 700))
        if serial % 3:
            what, categories, fine = rng.choice(VIOLATIONS)
            penalties.append({**subject, "WSH": f"{district_name[:2]}市监罚〔{decided.year}〕{serial}号",
                "WFXW": what, "SY": f"经查，当事人{what}。", "YJ": "相关法律法规",
                "CFLB": categories, "NR": f"{categories.replace(';', '、')}", "NR_FK": fine,
                "JDRQ": decided.isoformat(), "YXQ": (decided + timedelta(days=365)).isoformat(),
                "CFJG": department.name, "CFJGDM": authority, "SJLY": department.name,
                "SJLYDM": authority})  # fmt: skip
        licences.append({**subject, "XKWS": "食品经营许可决定书", "WSH": f"{district_name[:2]}市监许〔{decided.year}〕{serial}号",
            "XKLB": "普通", "NR": "食品经营", "JDRQ": (decided - timedelta(days=400)).isoformat(),
            "YXQZ": (decided - timedelta(days=400)).isoformat(), "YXQZI": (decided + timedelta(days=1400)).isoformat(),
            "XKJG": department.name, "XKJGDM": authority, "ZT": "有效", "LYDW": department.name, "LYDWDM": authority})  # fmt: skip
        if serial % 10 == 0 or serial % 17 == 0:
            kind = "守信激励" if serial % 10 == 0 else "经营异常名录"
            if serial == 34:
                kind = "严重失信主体名单"
            lists.append({**subject, "LX": kind, "WSH": f"{district_name[:2]}认〔{decided.year}〕{serial}号",
                "NR": "年度守法诚信经营" if kind == "守信激励" else "未按期公示年度报告",
                "JDRQ": decided.isoformat(), "JG": department.name, "JGDM": authority,
                "SJLY": department.name, "SJLYDM": authority})  # fmt: skip
    actor = Actor.system("demo")
    for filename, content in (
        ("行政处罚.csv", _csv(penalties, "CF", "gbk")),
        ("行政许可.csv", _csv(licences, "XK", "utf-8-sig")),
        ("名单.csv", _csv(lists, "JL", "utf-8")),
    ):
        batch_create(actor=actor, department=department, filename=filename,
                     content=io.BytesIO(content), size=len(content))  # fmt: skip
    return len(penalties) + len(licences) + len(lists)


DEMO_MATTERS = (
    # (department suffix, organisation code, matter, category, legal basis)
    ("财政局", "MB000002", "中小企业发展专项资金补助", MatterCategory.SUBSIDY,
     "《重庆市社会信用条例》第三十二条；区级财政专项资金管理办法"),
    ("财政局", "MB000002", "政府采购供应商资格审查", MatterCategory.PROCUREMENT,
     "《中华人民共和国政府采购法》第二十二条"),
    ("市场监督管理局", "MB000001", "食品经营许可", MatterCategory.LICENSING,
     "《重庆市社会信用条例》第三十一条；《食品经营许可和备案管理办法》"),
)  # fmt: skip


def demo_matters_ensure(*, district_name: str, region: str) -> int:
    """The departments' matters staff can try 信用核查 in (the current district); returns how
    many there are."""
    actor = Actor.system("demo")
    for suffix, org, name, category, basis in DEMO_MATTERS:
        department, _ = Department.objects.get_or_create(
            code=uscc(f"11{region}", org), defaults={"name": f"重庆市{district_name}{suffix}"}
        )
        if not Matter.objects.filter(department=department, name=name).exists():
            matter_register(actor=actor, department=department, name=name, category=category,
                            legal_basis=basis)  # fmt: skip
    return Matter.objects.count()


DEMO_AGREEMENT_BASIS = "《重庆市社会信用条例》第二十六条；渝东北区县信用信息共享示范协议（演示）"
DEMO_AGREEMENT_PURPOSES = (ExchangePurpose.ADMINISTRATION, ExchangePurpose.JOINT_DISCIPLINE)
DEMO_AGREEMENT_ITEMS = ("N03-01", "N03-02")  # licences and penalties, every shareable field


def demo_agreement_ensure(*, consumer: District, provider: District, days: int = 730) -> Agreement:
    """An accepted agreement under which `consumer` asks `provider` for licences and penalties
    (行政管理, 联合奖惩), proposed and accepted by the two districts' first admins through the
    services (audited on both sides, as in the console). Kept when one between them exists."""
    existing = Agreement.objects.filter(consumer=consumer, provider=provider).first()
    if existing is not None:
        return existing
    today = timezone.localdate()
    with schema_context(consumer.schema_name):
        agreement = agreement_propose(
            actor=_first_admin(), consumer=consumer, provider=provider,
            legal_basis=DEMO_AGREEMENT_BASIS, purposes=[p.value for p in DEMO_AGREEMENT_PURPOSES],
            items=[ScopeItem(code, list(shareable_fields(code))) for code in DEMO_AGREEMENT_ITEMS],
            valid_from=today, valid_until=today + timedelta(days=days),
        )  # fmt: skip
    with schema_context(provider.schema_name):
        return agreement_accept(actor=_first_admin(), agreement=agreement)


def _first_admin() -> User:
    return User.objects.filter(role=StaffRole.DISTRICT_ADMIN.value, is_active=True).earliest("pk")
