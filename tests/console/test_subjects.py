"""主体查询: a posted search finds a subject; its page shows the records."""

from __future__ import annotations

from core.accounts.models import User
from core.catalog.models import Department
from core.records.models import Record
from tests.core.collection.files import penalty, uscc
from tests.support.pages import signed_in


def test_subject_search_and_page_show_records_with_their_windows(
    clerk: User, department: Department
) -> None:
    client = signed_in(clerk)
    client.post("/console/records/new/", {"department": department.pk, **penalty(1)})
    subject_id = Record.objects.get().subject_id

    by_name = client.post("/console/subjects/", {"q": "第1建设"}, follow=True)
    by_code = client.post("/console/subjects/", {"q": uscc(1).lower()}, follow=True)
    page = client.get(f"/console/subjects/{subject_id}/").content.decode()

    assert [s.pk for s in by_name.context["subjects"]] == [subject_id]
    assert [s.pk for s in by_code.context["subjects"]] == [subject_id]
    assert "<td>2026-11-20 至 2027-11-20</td><td>2027-02-20起</td>" in page
    assert "<td>公示中</td>" in page


def test_subject_search_takes_several_words_like_the_portal(
    clerk: User, department: Department
) -> None:
    client = signed_in(clerk)
    client.post("/console/records/new/", {"department": department.pk, **penalty(1)})
    client.post("/console/records/new/", {"department": department.pk, **penalty(2)})
    subjects = {r.subject.name: r.subject_id for r in Record.objects.select_related("subject")}
    wanted = subjects["重庆市万州区第1建设有限公司"]

    both = client.post("/console/subjects/", {"q": "万州 第1建设"}, follow=True)
    wide = client.post("/console/subjects/", {"q": "万州　建设"}, follow=True)
    none = client.post("/console/subjects/", {"q": "万州 药房"}, follow=True)

    assert [s.pk for s in both.context["subjects"]] == [wanted]
    assert len(wide.context["subjects"]) == 2
    assert list(none.context["subjects"]) == []
