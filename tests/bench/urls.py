"""The district URLs plus /bench/subject/<code>/: the same JSON as the GraphQL subject query, built
by a plain view from one SQL statement (the comparison floor of tests/bench/test_subject_api.py)."""

from __future__ import annotations

import json

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

from core.config.urls_tenant import urlpatterns as district_urls

ONE_STATEMENT = """
SELECT json_build_object('data', json_build_object('subject', json_build_object(
  'name', s.name, 'kindLabel', '法人及非法人组织', 'code', s.uscc,
  'records', COALESCE((SELECT json_agg(json_build_object(
      'docNumber', r.doc_number, 'decisionDate', r.decision_date, 'title', r.title,
      'authorityName', r.authority_name, 'stateLabel', '公示中', 'publicityStart', r.publicity_start,
      'publicityEnd', r.publicity_end, 'repairFrom', r.repair_from, 'fineWan', r.fine_wan::text)
      ORDER BY r.decision_date DESC, r.id DESC)
    FROM records_record r WHERE r.subject_id = s.id AND r.withdrawn_at IS NULL
      AND r.repaired_at IS NULL AND r.published_by_rule AND r.publicity_end >= CURRENT_DATE), '[]'::json))))
FROM subjects_subject s WHERE s.uscc = %s AND s.kind <> 'natural'
"""


def subject_plain(request: HttpRequest, code: str) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(ONE_STATEMENT, [code])
        row = cursor.fetchone()
    body = row[0] if row else {"data": {"subject": None}}
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")), content_type="application/json"
    )


urlpatterns = [*district_urls, path("bench/subject/<str:code>/", subject_plain)]
