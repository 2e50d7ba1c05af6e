"""How the audit log reads to staff: one Chinese sentence per action, details as 字段：值.

Every action the code writes (`audit_record(action=…)`, the stage's SQL in core/records/staging.py)
needs a sentence here; tests/core/test_audit_wording.py finds them in the source and fails on one
without its wording. In a sentence, {actor} is who did it (core.catalog.actors), {record} the
record's document number, {subject} the subject's name.
"""

from __future__ import annotations

from typing import Any

from core.common.wording import detail_value

SENTENCES = {
    "batch.upload": "{actor}上传了文件“{file}”",
    "batch.ingest": "{actor}处理了上传批次{batch}",
    "batch.mapping_confirm": "{actor}确认了上传批次{batch}的列映射",
    "mapping_profile.update": "{actor}修改了列映射方案",
    "mapping_profile.delete": "{actor}删除了列映射方案",
    "record.store": "{actor}存储了记录 {record}",
    "record.update": "{actor}更正了记录 {record}",
    "record.withdraw": "{actor}撤回了记录 {record}",
    "record.expire": "{actor}将到期的记录移出公示",
    "record.sector_set": "{actor}调整了记录 {record} 的行业领域",
    "record.sector_recompute": "{actor}重新推断了记录 {record} 的行业领域",
    "record.numbers_shown": "{actor}查看了记录 {record} 的证件号码",
    "submission.create": "{actor}提交了信用征集",
    "submission.accepted": "{actor}采纳了信用征集",
    "submission.rejected": "{actor}未采纳信用征集",
    "objection.file": "{actor}登记了对记录 {record} 的异议",
    "objection.answer": "{actor}答复了对记录 {record} 的异议",
    "repair.apply": "{actor}受理了记录 {record} 的信用修复申请",
    "repair.approve": "{actor}同意了记录 {record} 的信用修复",
    "repair.refuse": "{actor}不同意记录 {record} 的信用修复",
    "retention.delete": "{actor}删除了保存期满的不良信息",
    "scorecard.publish": "{actor}发布了评分模型",
    "subject.rekey": "{actor}更换了主体证件号码的查找密钥",
    "consent.record": "{actor}登记了{subject}的查询授权",
    "consent.verify": "{actor}核验了{subject}的查询授权",
    "consent.policy": "{actor}修改了查询授权的核验方式",
    "report.price": "{actor}设置了信用报告价格",
    "report.issue": "{actor}出具了{subject}的信用报告",
    "query.answer": "{actor}答复了对{subject}的查询",
    "query.refuse": "{actor}拒绝了一次查询",
    "login.locked": "{actor}锁定了登录",
    "login.unlocked": "{actor}解除了登录锁定",
    "exchange.key_created": "{actor}生成了信息共享签名密钥",
    "exchange.key_retired": "{actor}停用了信息共享签名密钥",
    "exchange.agreement_proposed": "{actor}提出了共享协议",
    "exchange.agreement_accepted": "{actor}接受了共享协议",
    "exchange.agreement_declined": "{actor}拒绝了共享协议",
    "exchange.agreement_revoked": "{actor}撤销了共享协议",
    "upstream.endpoint.configure": "{actor}设置了上级平台",
    "upstream.endpoint.update": "{actor}修改了上级平台的访问令牌或推送设置",
    "upstream.export": "{actor}导出了上报文件",
    "upstream.batch.build": "{actor}生成了上报批次",
    "upstream.batch.resend": "{actor}重新发送了上报批次",
    "upstream.batch.done": "{actor}完成了上报批次的发送",
    "upstream.batch.attempt_failed": "{actor}发送上报批次失败",
    "discipline.matter_register": "{actor}登记了核查事项",
    "discipline.matter_rules_set": "{actor}修改了核查事项的奖惩规则",
    "discipline.measure_add": "{actor}增加了本地奖惩措施",
    "discipline.check": "{actor}进行了信用核查",
    "discipline.feedback": "{actor}反馈了{subject}的核查结果办理情况",
    "discipline.report_store": "{actor}出具了信用核查报告",
}

# Categories of actions as the console filters them: name → (label, action prefixes).
CATEGORIES = {
    "upload": ("数据上传", ("batch.", "mapping_profile.")),
    "record": ("信用记录", ("record.",)),
    "submission": ("信用征集", ("submission.",)),
    "remedy": ("异议与信用修复", ("objection.", "repair.")),
    "report": ("信用报告与查询", ("report.", "query.", "consent.")),
    "scorecard": ("评分模型", ("scorecard.",)),
    "exchange": ("信息共享", ("exchange.",)),
    "upstream": ("上级平台报送", ("upstream.",)),
    "discipline": ("信用核查与联合奖惩", ("discipline.",)),
    "retention": ("到期删除", ("retention.", "subject.")),
    "login": ("登录锁定", ("login.",)),
}

DETAIL_LABELS = {
    "batch": "批次", "file": "文件", "sha256": "文件摘要", "stored": "新增", "updated": "更正",
    "rejected": "拒收", "unchanged": "未变", "kind": "类别", "profile": "映射方案",
    "ignored": "忽略的列", "department": "部门", "changed": "改动", "problems": "问题",
    "reason": "原因", "revoked_on": "撤销日期", "within_3_days": "3日内撤回", "count": "条数",
    "on": "日期", "before": "原值", "after": "新值", "fields": "字段", "for": "用途",
    "receipt": "回执号", "note": "审核意见", "objection": "异议编号", "channel": "渠道",
    "outcome": "结果", "application": "申请编号", "records": "记录", "counts": "数量",
    "copies": "副本", "summary": "摘要", "scorecard": "模型", "number": "版本",
    "subjects": "主体数", "consent": "授权", "purpose": "用途", "status": "状态",
    "verification": "核验方式", "product": "产品", "price_yuan": "价格（元）", "report": "报告编号",
    "requester": "查询人", "subject": "主体", "scope": "范围", "email": "账号", "address": "地址",
    "failures": "失败次数", "minutes": "锁定分钟", "until": "锁定至", "page": "页面",
    "was_locked": "原已锁定", "agreement_id": "协议", "provider": "提供方", "consumer": "请求方",
    "by": "操作方", "purposes": "用途", "items": "信息项", "valid_from": "生效日期",
    "valid_until": "截止日期", "key_id": "密钥", "endpoint": "上级平台", "name": "名称",
    "url": "上报地址", "previous_url": "原上报地址", "enabled": "推送", "token_set": "令牌",
    "format": "格式", "start": "起始日期", "end": "截止日期", "attempt": "第几次",
    "attempts": "发送次数", "accepted": "已接收", "error": "错误", "items_count": "记录数",
    "response_hash": "应答摘要", "unknownFields": "未知字段", "reply": "答复", "duplicate": "重复",
    "row": "行号", "check": "核查编号", "matter": "事项", "hits": "有相关信息的主体",
    "version": "规则版本", "rules": "规则条数", "measure": "措施", "position": "序号",
}  # fmt: skip


def sentence(action: str, **parts: str) -> str:
    """The entry as a sentence; a part it names but that is missing reads as "—"."""
    template = SENTENCES.get(action)
    if template is None:
        return f"{parts.get('actor', '')}执行了操作“{action}”"
    return template.format_map(_Blank(parts))


def detail_label(key: str) -> str:
    return DETAIL_LABELS.get(key, key)


def detail_lines(details: dict[str, Any], *, skip: tuple[str, ...] = ()) -> list[str]:
    """字段：值, one per detail (the ones already in the sentence skipped)."""
    return [
        f"{detail_label(k)}：{detail_value(v, labels=DETAIL_LABELS)}"
        for k, v in details.items()
        if k not in skip
    ]


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "—"
