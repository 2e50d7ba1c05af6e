from django.db import models


class RecordKind(models.TextChoices):
    LICENSE = "license", "行政许可"
    PENALTY = "penalty", "行政处罚"
    RED_LIST = "red_list", "守信激励（红名单）"
    BLACK_LIST = "black_list", "严重失信主体名单"
    ABNORMAL = "abnormal", "经营异常名录"
    COURT_ENFORCEMENT = "court_enforcement", "失信被执行人"
    COMMITMENT = "commitment", "信用承诺"
    COMMITMENT_FULFILMENT = "commitment_fulfilment", "信用承诺履行情况"
    CONTRACT = "contract", "合同履行"
    EVALUATION = "evaluation", "信用评价结果"


class RecordState(models.TextChoices):
    """Derived from dates and markers by core/records/state.py; never stored."""

    PUBLISHED = "published", "公示中"
    DISPUTED = "disputed", "异议处理中"
    WITHDRAWN = "withdrawn", "已撤回"
    REPAIRED = "repaired", "已修复"
    EXPIRED = "expired", "公示期满"
    NOT_PUBLISHED = "not_published", "不予公示"


# The states in which a record may be shown, shared, reported and scored.
PUBLISHABLE_STATES = (RecordState.PUBLISHED, RecordState.DISPUTED)


class SectorSource(models.TextChoices):
    """Who decided a penalty's field (领域), which sets its minimum publicity under the 2023 rules:
    the platform from its text (core/publicity/sectors.py; `manage.py records_sector` infers it
    again when the rules change), the department in its 行业领域 column, or a clerk on the record."""

    INFERRED = "inferred", "依处罚依据等推断"
    COLUMN = "column", "报送数据载明"
    CLERK = "clerk", "工作人员指定"
