from django.db import models


class RetentionStart(models.TextChoices):
    """The day from which a record's retention years run: the day the conduct or event ended
    (征信业管理条例 Art. 16: 自不良行为或者事件终止之日起). docs/subsystems/retention.md says why
    each kind uses the day it does."""

    DECISION = "decision", "决定日期"
    PENALTY_TERM_END = "penalty_term_end", "处罚有效期届满之日（未填写时为决定日期）"
    LISTING_END = "listing_end", "移出名单之日（公示截止日）"
