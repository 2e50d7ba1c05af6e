from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core import signing
from django.core.cache import cache

from core.common.errors import ValidationFailed
from core.common.render_tokens import (
    render_token_issue,
    render_token_read,
    render_token_spend,
)
from tests.support.clock import BEIJING, Clock

SALT = "tests.render-token"
DAY = 86400


@pytest.fixture
def clock_now(clock: Clock) -> Clock:
    cache.clear()
    clock.move_to(datetime.now(tz=BEIJING))
    return clock


def test_a_token_is_read_after_a_person_filled_the_form(clock_now: Clock) -> None:
    raw = render_token_issue(salt=SALT)
    clock_now.shift(timedelta(seconds=10))

    token = render_token_read(raw, salt=SALT, max_age=DAY, min_seconds=3)

    assert len(token.id) == 32


@pytest.mark.parametrize(
    ("make", "after", "code", "message"),
    [
        (lambda: render_token_issue(salt=SALT), 1, "NOT_HUMAN", "提交未通过校验，请稍候片刻后重新提交"),
        (lambda: render_token_issue(salt="another.form"), 10, "NOT_HUMAN",
         "提交未通过校验，请稍候片刻后重新提交"),
        (lambda: signing.dumps("1700000000.0", salt=SALT), 10, "NOT_HUMAN",
         "提交未通过校验，请稍候片刻后重新提交"),
        (lambda: "", 10, "NOT_HUMAN", "提交未通过校验，请稍候片刻后重新提交"),
        (lambda: render_token_issue(salt=SALT), DAY + 1, "EXPIRED", "页面已过期，请刷新页面后重新填写"),
    ],
    ids=["too-quick", "other-form", "old-format", "missing", "expired"],
)  # fmt: skip
def test_what_a_person_would_not_send_is_refused(
    clock_now: Clock, make: object, after: int, code: str, message: str
) -> None:
    assert callable(make)
    raw = make()
    clock_now.shift(timedelta(seconds=after))

    with pytest.raises(ValidationFailed) as refused:
        render_token_read(raw, salt=SALT, max_age=DAY, min_seconds=3)

    assert (refused.value.code, refused.value.message) == (code, message)


def test_a_token_is_spent_once(clock_now: Clock) -> None:
    raw = render_token_issue(salt=SALT)
    clock_now.shift(timedelta(seconds=10))
    token = render_token_read(raw, salt=SALT, max_age=DAY, min_seconds=3)
    render_token_spend(token, scope="tests", max_age=DAY)

    with pytest.raises(ValidationFailed) as refused:
        render_token_spend(render_token_read(raw, salt=SALT, max_age=DAY, min_seconds=3),
                           scope="tests", max_age=DAY)  # fmt: skip

    assert (refused.value.code, refused.value.message) == (
        "REPLAYED",
        "该表单已提交过，请勿重复提交；如需再次提交，请刷新页面后重新填写",
    )
    render_token_spend(token, scope="another-form", max_age=DAY)  # scopes are apart
