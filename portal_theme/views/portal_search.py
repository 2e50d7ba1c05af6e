"""The portal's 信用查询 (search and a subject's public page) and 信用红黑名单. Only what the law makes
public: organisations' published records of socially public catalogue items, repaired, withdrawn
and expired ones never; disputed ones marked."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.cache import never_cache

from core.records.measures import measures_for, measures_list
from core.records.public import public_list, public_records
from core.reports.assembly import assemble
from core.subjects.models import Subject
from core.subjects.search import CANDIDATES, search_public
from portal_theme.views.inputs import int_param, posted_text, text_param
from portal_theme.views.search_tokens import (
    EXPIRED,
    PORTAL,
    UNAVAILABLE,
    looks_like_number,
    search_token_issue,
    search_token_read,
    see_other,
)

PER_PAGE = 20
LIST_CAP = 1000  # rows counted at most on a list page; past it, "1000条以上" and filters narrow it


class CappedPaginator(Paginator):  # type: ignore[type-arg]
    """Counts at most LIST_CAP + 1 rows (a full count of a large list costs a join per row)."""

    @cached_property
    def count(self) -> int:
        return int(self.object_list[: LIST_CAP + 1].count())  # type: ignore[attr-defined]


LISTS = {"red": ("red_list", "守信激励（红名单）"), "black": ("black_list", "严重失信主体名单")}


NUMBER_NOT_IN_URL = (
    "为保护个人信息，统一社会信用代码和证件号码不在网址中查询，请在查询框中输入后点击“查询”"
)


def search(request: HttpRequest) -> HttpResponse:
    """信用查询. The form POSTs: the query goes behind a token (search_tokens.py) and the visitor
    is sent to its result page. `?q=` with the words of a name is still answered, so such links
    can be shared; a number in a URL is never searched for."""
    if request.method == "POST":
        query = posted_text(request, "q")
        if not query:
            return see_other("/search/")
        token = search_token_issue(request, scope=PORTAL, query=query)
        if token is None:
            return _search_page(request, query="", error=UNAVAILABLE, status=503)
        return see_other(f"/search/r/{token}/")
    query = text_param(request, "q")
    if looks_like_number(query):
        messages.info(request, NUMBER_NOT_IN_URL)
        return see_other("/search/")
    return _search_page(request, query=query, page_link=urlencode({"q": query}) + "&")


@never_cache
def search_results(request: HttpRequest, token: str) -> HttpResponse:
    """The results of a POSTed search, for the session that made it."""
    query = search_token_read(request, scope=PORTAL, token=token)
    if query is None:
        return _search_page(request, query="", error=EXPIRED, status=410)
    return _search_page(request, query=query)


def _search_page(
    request: HttpRequest, *, query: str, page_link: str = "", error: str = "", status: int = 200
) -> HttpResponse:
    page = int_param(request, "page", low=1, high=CANDIDATES // PER_PAGE + 1) or 1
    hits, total = (
        search_public(query, limit=PER_PAGE, offset=(page - 1) * PER_PAGE) if query else ([], 0)
    )
    return render(request, "portal_theme/portal/search.html", {
        "query": query, "hits": hits, "total": total, "page": page, "page_link": page_link,
        "has_next": page * PER_PAGE < total, "has_previous": page > 1, "candidates": CANDIDATES,
        "error": error,
    }, status=status)  # fmt: skip


def subject_page(request: HttpRequest, subject_id: int) -> HttpResponse:
    subject = Subject.objects.filter(pk=subject_id).exclude(kind="natural").first()
    if subject is None:
        raise Http404("没有这个主体")
    now = timezone.now()
    data = assemble(subject=subject, today=timezone.localdate(now), now=now, number="",
                    include_restricted=False)  # fmt: skip
    sections = [s for s in data["sections"] if s["key"] not in ("basic", "advice")]
    return render(request, "portal_theme/portal/subject.html",
                  {"subject": subject, "data": data, "sections": sections})  # fmt: skip


def credit_list(request: HttpRequest, which: str) -> HttpResponse:
    if which not in LISTS:
        raise Http404("没有这个名单")
    kind, title = LISTS[which]
    name = text_param(request, "name")
    year = int_param(request, "year", low=2000, high=2100)
    rows = public_list(kind=kind, today=timezone.localdate(), name=name, year=year)
    page = CappedPaginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    years = range(timezone.localdate().year, timezone.localdate().year - 6, -1)
    return render(request, "portal_theme/portal/list.html", {
        "title": title, "which": which, "page": page, "name": name, "year": year, "years": years,
        "capped": page.paginator.count > LIST_CAP, "cap": LIST_CAP,
    })  # fmt: skip


PUNISHED_KINDS = ("black_list", "court_enforcement")


def joint_punishment(request: HttpRequest) -> HttpResponse:
    """联合惩戒: the measures that apply (national list, as data) and the cases public today."""
    today = timezone.localdate()
    cases = [
        (record, measures_for(record.kind))
        for record in public_records(today).filter(kind__in=PUNISHED_KINDS)
        .select_related("subject").order_by("-decision_date", "-id")[:30]
    ]  # fmt: skip
    return render(request, "portal_theme/portal/joint_punishment.html",
                  {"measures": measures_list(), "cases": cases})  # fmt: skip
