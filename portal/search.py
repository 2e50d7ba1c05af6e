"""信用查询 on the portal: organisations by name or code, and an organisation's public page. A query
is POSTed and kept behind a token (portal_theme/search_tokens.py), so a number never reaches a URL;
natural persons are never shown."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from core.reports.assembly import assemble
from core.subjects.models import Subject
from core.subjects.search import CANDIDATES, search_public
from portal_theme.inputs import int_param, text_param
from portal_theme.search_tokens import (
    PORTAL,
    looks_like_number,
    search_post,
    search_results_page,
    see_other,
)

PER_PAGE = 20
NUMBER_NOT_IN_URL = (
    "为保护个人信息，统一社会信用代码和证件号码不在网址中查询，请在查询框中输入后点击“查询”"
)


def search(request: HttpRequest) -> HttpResponse:
    """信用查询. The form POSTs: the query goes behind a token and the visitor is sent to its
    result page. `?q=` with the words of a name is still answered, so such links can be shared;
    a number in a URL is never searched for."""
    if request.method == "POST":
        return search_post(request, scope=PORTAL, path="/search/", page=_search_page)
    query = text_param(request, "q")
    if looks_like_number(query):
        messages.info(request, NUMBER_NOT_IN_URL)
        return see_other("/search/")
    return _search_page(request, query=query, page_link=urlencode({"q": query}) + "&")


@never_cache
def search_results(request: HttpRequest, token: str) -> HttpResponse:
    """The results of a POSTed search, for the session that made it."""
    return search_results_page(request, scope=PORTAL, token=token, page=_search_page)


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
