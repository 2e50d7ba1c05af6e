"""主体查询: staff find a company or a person by name, code or identity number, and see its records
and score. A query never travels in a URL (portal_theme/search_tokens.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from core.records.selectors import record_list_for_subject
from core.scoring.engine import SCORED_KINDS
from core.scoring.selectors import score_current, score_explain, score_history
from core.subjects.selectors import subject_get, subject_search
from portal_theme.search_tokens import CONSOLE, search_post, search_results_page, see_other

QUERY_NOT_IN_URL = "为保护个人信息，查询内容不在网址中传递，请在查询框中输入后点击“查询”"


@login_required
def subjects(request: HttpRequest) -> HttpResponse:
    """Every query (an ID number, a code, a person's name) is POSTed and shown on a token's result
    page; a query in the URL is never read."""
    if request.method == "POST":
        return search_post(
            request, scope=CONSOLE, path="/console/subjects/", page=_subjects_page, max_length=200
        )
    if "q" in request.GET:
        messages.info(request, QUERY_NOT_IN_URL)
        return see_other("/console/subjects/")
    return _subjects_page(request, query="")


@login_required
@never_cache
def subject_results(request: HttpRequest, token: str) -> HttpResponse:
    return search_results_page(request, scope=CONSOLE, token=token, page=_subjects_page)


def _subjects_page(
    request: HttpRequest, *, query: str, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "portal_theme/console/subjects.html",
        {"query": query, "subjects": subject_search(query=query), "error": error},
        status=status,
    )


@login_required
def subject_detail(request: HttpRequest, subject_id: int) -> HttpResponse:
    try:
        subject = subject_get(subject_id=subject_id)
    except Exception as exc:
        raise Http404("没有这个主体") from exc
    today = timezone.localdate()
    score = score_current(subject.pk)
    return render(
        request,
        "portal_theme/console/subject_detail.html",
        {
            "subject": subject,
            "records": record_list_for_subject(subject_id=subject.pk, today=today),
            "scored": subject.kind in SCORED_KINDS,
            "explained": score_explain(score) if score else None,
            "history": score_history(subject.pk, limit=20),
        },
    )
