"""Public search of organisations by 统一社会信用代码 or by part of the name: character bigrams in a
GIN-indexed tsvector (a generated column, migration subjects/0002), so "万州 建设" finds
"重庆市万州区某某建设有限公司" on any PostgreSQL, the embedded one included. Natural persons are not
searchable by the public."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from core.common.identifiers import normalise

MAX_RESULTS = 50
CANDIDATES = 1000  # matches ranked at most; more are reported as "1000+"


def search_words(text: str, *, most: int = 5) -> list[str]:
    """The words of a query, split on ASCII and full-width spaces: "万州　药房" → ["万州", "药房"]."""
    return [t for t in text.replace("\u3000", " ").split() if t][:most]


@dataclass(frozen=True)
class Hit:
    id: int
    name: str
    uscc: str
    kind: str


def search_public(query: str, *, limit: int = 20, offset: int = 0) -> tuple[list[Hit], int]:
    """Matches (best first) and how many there are. An exact 统一社会信用代码 finds its subject;
    otherwise every word of the query must occur in the name (a one-character word as a prefix of
    a character pair)."""
    text = query.strip()
    code = normalise(text)
    if len(code) == 18 and code.isalnum():
        where, params = "s.uscc = %s", [code]
        rank = "1"
    else:
        terms = search_words(text)
        if not terms:
            return [], 0
        parts = []
        params = []
        for term in terms:
            if len(term) == 1:
                parts.append("to_tsquery('simple', quote_literal(lower(%s)) || ':*')")
            else:
                parts.append("plainto_tsquery('simple', public.credit_bigrams(%s))")
            params.append(term)
        tsquery = " && ".join(parts)
        where = f"s.name_bigrams @@ ({tsquery})"
        rank = f"ts_rank(s.name_bigrams, {tsquery})"
        params = params + params  # once for WHERE, once for the rank
    with connection.cursor() as cursor:
        # Rank among the first CANDIDATES matches only: a query that matches most of the district
        # ("万州") costs the same as a precise one, and asks for more words (see `search`'s page).
        cursor.execute(
            f"WITH m AS (SELECT s.id, s.name, s.uscc, s.kind, {rank} AS rank "  # noqa: S608
            f"FROM subjects_subject s WHERE s.kind <> 'natural' AND {where} LIMIT %s) "
            "SELECT id, name, coalesce(uscc, ''), kind, count(*) OVER () FROM m "
            "ORDER BY rank DESC, length(name), name LIMIT %s OFFSET %s",
            # (the rank's parameters and the filter's are the same terms, in the same order)
            [*params, CANDIDATES, min(limit, MAX_RESULTS), offset],
        )
        rows = cursor.fetchall()
    total = int(rows[0][4]) if rows else 0
    return [Hit(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows], total
