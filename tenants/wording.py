"""How the platform audit log (`tenants.models.PlatformAuditEntry`) reads to the operator: one
Chinese sentence per action, details as 字段：值 with Chinese field names — the public-schema
counterpart of `core.audit.wording` (the districts' audit log).

Every action written to the platform log (`tenants.audit.platform_audit_record(action=…)`) needs a
sentence here; tests/tenants/test_platform_audit_wording.py finds them in the source and fails on
one without its wording. In a sentence, {actor} is who did it and {district} the district's name.
Code values in the details (statuses, districts) become their Chinese names; the layers above add
theirs (billing's products, pricing models, …) through `value_names`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.common.wording import detail_value
from tenants.enums import DistrictStatus

SENTENCES = {
    "district.onboard": "{actor}开通了区县{district}",
    "district.sandbox_create": "{actor}开通了开发者沙箱",
    "district.suspend": "{actor}暂停了区县{district}",
    "district.resume": "{actor}恢复了区县{district}的运行",
    "district.archive": "{actor}归档了区县{district}",
    "district.request_deletion": "{actor}申请删除区县{district}",
    "district.restore": "{actor}恢复了区县{district}的数据",
    "district.purge": "{actor}清除了区县{district}的数据",
    "district.export": "{actor}导出了区县{district}的数据",
    "district.move": "{actor}将区县{district}的数据迁移到另一个数据库工作节点",
    "district.domain_add": "{actor}为区县{district}添加了域名",
    "district.domain_change": "{actor}修改了区县{district}的域名",
    "district.domain_remove": "{actor}删除了区县{district}的域名",
    "district.upstream_endpoint_set": "{actor}设置了区县{district}的上级平台上报地址",
    "district.theme_update": "{actor}修改了区县{district}的门户主题",
    "district.theme_logo_set": "{actor}更换了区县{district}的门户标志",
    "exchange.key_created": "{actor}为区县{district}生成了信息共享签名密钥",
    "exchange.key_retired": "{actor}停用了区县{district}的信息共享签名密钥",
    "exchange.agreement_proposed": "{actor}提出了与区县{district}的共享协议",
    "exchange.agreement_accepted": "{actor}接受了区县{district}的共享协议",
    "exchange.agreement_declined": "{actor}拒绝了区县{district}的共享协议",
    "exchange.agreement_revoked": "{actor}撤销了区县{district}的共享协议",
    "billing.customer_create": "{actor}新建了客户机构",
    "billing.customer_member_add": "{actor}开通了机构用户",
    "billing.customer_member_link": "{actor}重发了机构用户的登录链接",
    "billing.customer_member_deactivate": "{actor}停用了机构用户",
    "billing.price_set": "{actor}设定了区县{district}的产品价格",
    "billing.contract_price_set": "{actor}设定了区县{district}客户合同的合同价格",
    "billing.contract_create": "{actor}签订了区县{district}的客户合同",
    "billing.contract_status": "{actor}变更了区县{district}客户合同的状态",
    "billing.wallet_top_up": "{actor}为区县{district}的客户合同充值",
    "billing.package_purchase": "{actor}为区县{district}的客户合同购买了套餐",
    "billing.usage_correct": "{actor}冲正了区县{district}的一笔用量",
    "billing.invoice_issue": "{actor}开具了区县{district}的账单",
    "billing.monitoring_renewal_failed": "{actor}续期区县{district}的信用监测失败",
    "billing.key_issue": "{actor}签发了接口密钥",
    "billing.sandbox_key_issue": "{actor}签发了沙箱密钥",
    "billing.key_rotate": "{actor}轮换了接口密钥",
    "billing.key_revoke": "{actor}吊销了接口密钥",
    "billing.key_limits_set": "{actor}设定了客户机构自助管理接口密钥的限额",
    "billing.webhook_create": "{actor}添加了区县{district}的变动推送地址",
    "billing.webhook_rotate": "{actor}轮换了区县{district}变动推送地址的签名密钥",
    "billing.webhook_disable": "{actor}停用了区县{district}的变动推送地址",
    "billing.webhook_enable": "{actor}启用了区县{district}的变动推送地址",
    "billing.webhook_redeliver": "{actor}重新推送了区县{district}的一条信用变动",
    "billing.bulk_job_submit": "{actor}向区县{district}提交了批量任务",
    "cluster.rebalance": "{actor}在数据库工作节点之间重新均衡了区县",
    "login.locked": "{actor}锁定了登录",
    "login.unlocked": "{actor}解除了登录锁定",
}

# Categories of actions, as the log is filtered: name → (label, action prefix).
CATEGORIES = {
    "district": ("区县开通与生命周期", "district."),
    "exchange": ("信息共享", "exchange."),
    "billing": ("计费与客户机构", "billing."),
    "login": ("登录锁定", "login."),
    "cluster": ("数据库集群", "cluster."),
}

DETAIL_LABELS = {
    "name": "名称", "platform_name": "平台名称", "region_code": "行政区划代码", "domain": "域名",
    "admin_email": "首位管理员邮箱", "from_spare": "使用备用模式", "from": "原状态", "to": "新状态",
    "reason": "原因", "status": "状态", "action": "操作", "domains_removed": "删除域名数",
    "files_deleted": "删除文件数", "tables": "表数", "rows": "行数", "files": "文件数",
    "archive": "归档文件", "made_at": "导出时间", "primary": "主域名", "endpoint": "上级平台",
    "url": "上报地址", "previous_url": "原上报地址", "enabled": "推送", "key_id": "密钥",
    "key_ids": "密钥", "fingerprint": "指纹", "verifies_until": "验签截止", "agreement_id": "协议",
    "provider": "提供方", "consumer": "请求方", "by": "操作方", "purposes": "用途",
    "items": "信息项", "valid_from": "生效日期", "valid_until": "截止日期", "customer": "客户机构",
    "email": "账号", "event": "用量记录", "amount": "金额（元）", "invoice": "账单",
    "contract": "合同", "subscriptions": "监测订阅", "total": "合计（元）", "product": "产品",
    "model": "计价方式", "mode": "计费方式", "products": "产品", "units": "数量", "key": "密钥",
    "districts": "区县", "old": "原密钥", "new": "新密钥", "overlap_hours": "并行小时数",
    "address": "地址", "failures": "失败次数", "minutes": "锁定分钟", "until": "锁定至",
    "page": "页面", "was_locked": "原已锁定", "scope": "范围",
    "previous_domain": "原域名", "drill": "恢复演练", "event_id": "事件编号",
    # the portal theme (district.theme_update, district.theme_logo_set)
    "primary_colour": "主色", "accent_colour": "辅色", "banner_text": "横幅标语",
    "footer_text": "页脚文字", "icp_number": "ICP备案号", "contact_phone": "联系电话",
    "contact_email": "联系邮箱", "contact_address": "联系地址", "host_unit": "主办单位",
    "organiser_unit": "承办单位", "logo": "标志文件",
    "unit_price": "合同单价（元）", "discount_percent": "折扣（%）",
    "self_service": "机构自助", "max_keys": "自助密钥数量上限", "rate_ceiling": "每分钟调用上限",
    "job": "批量任务", "source": "来源",
    # district.move (Citus workers, provisioning/services/cluster.py)
    "source_node": "原工作节点", "target_node": "新工作节点", "seconds": "用时（秒）",
    "moved": "迁移的模式数",
}  # fmt: skip
# Labels that differ for one action: district.restore's "from" is the source district.
ACTION_DETAIL_LABELS = {"district.restore": {"from": "来源区县"}}

# Code values by detail key: statuses here, districts by name from `district_names`.
VALUE_NAMES: dict[str, Mapping[str, str]] = {
    "from": dict(DistrictStatus.choices),
    "to": dict(DistrictStatus.choices),
}
DISTRICT_KEYS = ("provider", "consumer", "by", "from", "districts")


def sentence(action: str, *, actor: str, district: str = "") -> str:
    """The entry as a sentence; an action without one reads as 执行了操作“…”."""
    template = SENTENCES.get(action)
    if template is None:
        return f"{actor}执行了操作“{action}”"
    return template.format(actor=actor, district=district or "—")


def detail_lines(
    action: str,
    details: Mapping[str, Any],
    *,
    district_names: Mapping[str, str] | None = None,
    value_names: Mapping[str, Mapping[str, str]] | None = None,
) -> list[str]:
    """字段：值, one per detail."""
    labels = {**DETAIL_LABELS, **ACTION_DETAIL_LABELS.get(action, {})}
    tables = {**VALUE_NAMES, **(value_names or {})}
    lines = []
    for key, value in details.items():
        names = dict(tables.get(key, {}))
        if key in DISTRICT_KEYS and district_names:
            names.update(district_names)
        lines.append(f"{labels.get(key, key)}：{detail_value(value, labels=labels, names=names)}")
    return lines
