"""The public's `subject(code:)` answered by one SQL statement that builds its JSON (issue 25).

The API's hottest query asks for one subject and its records. Executed field by field it costs
about 6 ms of Python per request (two ORM queries, ~200 resolved fields, the JSON encoding);
PostgreSQL can build the same answer in one statement. A document is compiled once (by text and
operation name, cached in process) when it is a valid query whose only root field is
`subject(code:)` and whose selections are plain fields of Subject and Record (aliases allowed;
no fragments, directives or `__typename`). Anything else, and every signed-in staff request (staff
see more), goes through strawberry as before.

The rules stay where they are: the statement is built from the selector's querysets
(core/records/selectors.py `public_subject`, `public_subject_records`), and the labels from the
same enums the types use. tests/graphql_api/test_compiled_subject.py holds both paths to the same
answers.
"""

from __future__ import annotations

import hashlib
import weakref
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import orjson
from django.conf import settings
from django.db import connection
from django.db.models.expressions import RawSQL
from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
    parse,
    specified_rules,
    validate,
)
from psycopg2.extensions import AsIs  # type: ignore[import-untyped]

from core.common.identifiers import normalise
from core.records.selectors import RECORD_COLUMNS, public_subject, public_subject_records
from graphql_api.documents import limit_rules
from graphql_api.records.types import KIND_LABELS, STATE_LABELS, SUBJECT_LABELS

# Plain fields as SQL over the subject (`s`) and a record (`r`); a label is a CASE over its enum.
Expression = tuple[str, list[Any]]


def _label(column: str, labels: dict[str, str]) -> Expression:
    whens = " ".join("WHEN %s THEN %s" for _ in labels)
    params: list[Any] = [item for pair in labels.items() for item in pair]
    return f"CASE {column} {whens} ELSE {column} END", params


SUBJECT_FIELDS: dict[str, Expression] = {
    "name": ("s.name", []),
    "kind": ("s.kind", []),
    "kindLabel": _label("s.kind", SUBJECT_LABELS),
    # subject_with_records: the code, or the masked ID number (uscc NULL or empty)
    "code": ("coalesce(nullif(s.uscc, ''), s.id_masked)", []),
}
RECORD_FIELDS: dict[str, Expression] = {
    "id": ("r.id::text", []),
    "kind": ("r.kind", []),
    "kindLabel": _label("r.kind", KIND_LABELS),
    "docNumber": ("r.doc_number", []),
    "decisionDate": ("r.decision_date", []),  # JSON dates are ISO, as strawberry's Date
    "title": ("r.title", []),
    "authorityName": ("r.authority_name", []),
    "state": ("r.state", []),
    "stateLabel": _label("r.state", STATE_LABELS),
    "publicityStart": ("r.publicity_start", []),
    "publicityEnd": ("r.publicity_end", []),
    "repairFrom": ("r.repair_from", []),
    "fineWan": ("r.fine_wan::text", []),  # strawberry's Decimal is a string, scale kept
}
RECORDS = "records"
MAX_KEYS = 50  # json_build_object takes at most 100 arguments
# Stands in for the normalised code while the statement is built from the querysets; replaced by
# the caller's code in the kept parameters.
_CODE = "\x00subject-code\x00"


@dataclass(frozen=True)
class Plan:
    """What a compiled document asks for."""

    root: str  # the response key of subject(code:)
    code_variable: str | None  # the variable giving the code, or
    code_literal: str | None  # the code written in the document
    # The subject's selections in order: (response key, Subject's field, None) or, for a records
    # list, (response key, "records", its Record fields as (response key, field)).
    fields: tuple[tuple[str, str, tuple[tuple[str, str], ...] | None], ...]


def _keys(selection: SelectionSetNode) -> list[tuple[str, FieldNode]] | None:
    """The fields of a selection set by response key; None when anything else is in it (a
    fragment, a directive, arguments) or a key repeats (GraphQL would merge it, SQL would not)."""
    out: list[tuple[str, FieldNode]] = []
    for node in selection.selections:
        if not isinstance(node, FieldNode) or node.directives:
            return None
        key = node.alias.value if node.alias else node.name.value
        if any(key == seen for seen, _ in out):
            return None
        out.append((key, node))
    return out


def _scalars(
    selection: SelectionSetNode | None, known: dict[str, Expression]
) -> tuple[tuple[str, str], ...] | None:
    if selection is None:
        return None
    fields = _keys(selection)
    if fields is None or any(
        n.name.value not in known or n.arguments or n.selection_set for _, n in fields
    ):
        return None
    return tuple((key, node.name.value) for key, node in fields)


def _plan(document: OperationDefinitionNode) -> Plan | None:
    roots = _keys(document.selection_set)
    if roots is None or len(roots) != 1:
        return None
    root, field = roots[0]
    arguments = field.arguments or ()
    if field.name.value != "subject" or len(arguments) != 1 or field.selection_set is None:
        return None
    value = arguments[0].value
    variable = value.name.value if isinstance(value, VariableNode) else None
    literal = value.value if isinstance(value, StringValueNode) else None
    if variable is None and literal is None:
        return None
    fields = _keys(field.selection_set)
    if fields is None:
        return None
    selected: list[tuple[str, str, tuple[tuple[str, str], ...] | None]] = []
    for key, node in fields:
        if node.name.value == RECORDS and not node.arguments:
            inner = _scalars(node.selection_set, RECORD_FIELDS)
            if inner is None:
                return None
            selected.append((key, RECORDS, inner))
        elif (
            node.name.value in SUBJECT_FIELDS and not node.arguments and node.selection_set is None
        ):
            selected.append((key, node.name.value, None))
        else:
            return None
    if len(selected) > MAX_KEYS:
        return None
    return Plan(root, variable, literal, tuple(selected))


@lru_cache(maxsize=512)
def plan_for(schema: GraphQLSchema, query: str, operation_name: str | None) -> Plan | None:
    """The plan of a document, or None when strawberry should execute it (or refuse it: a document
    that does not validate is never compiled, so its errors come from strawberry as before)."""
    try:
        document = parse(query, max_tokens=settings.GRAPHQL_MAX_TOKENS)
    except GraphQLError:
        return None
    if validate(schema, document, [*specified_rules, *limit_rules()]):
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != len(document.definitions):
        return None  # fragments
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name and o.name.value == operation_name)
    ]
    if len(chosen) != 1 or chosen[0].operation != OperationType.QUERY or chosen[0].directives:
        return None
    return _plan(chosen[0])


def _pairs(fields: tuple[tuple[str, str], ...], known: dict[str, Expression]) -> Expression:
    """`key, expression` pairs for json_build_object, with their parameters."""
    parts: list[str] = []
    params: list[Any] = []
    for key, name in fields:
        sql, more = known[name]
        parts.append(f"%s, {sql}")
        params += [key, *more]
    return ", ".join(parts), params


@dataclass(frozen=True)
class Statement:
    name: str  # the prepared statement's name: the same text gets the same name
    sql: str  # %s placeholders; the code is the parameter equal to _CODE
    params: tuple[Any, ...]


@lru_cache(maxsize=1024)
def _statement(plan: Plan, today: date) -> Statement:
    """The plan's statement on `today` (the day is in the rules: publication, state), built from
    the selector's querysets once a day per plan and process."""
    subject_sql, subject_params = (
        public_subject(_CODE)
        .values("id", "kind", "name", "uscc", "id_masked")[:1]
        .query.sql_with_params()
    )
    parts: list[str] = []
    params: list[Any] = []
    for key, name, record_fields in plan.fields:
        if record_fields is None:
            sql, more = _pairs(((key, name),), SUBJECT_FIELDS)
            parts.append(sql)
            params += more
            continue
        records_sql, records_params = (
            public_subject_records(today, items_in_sql=True)
            .filter(subject_id__in=RawSQL("SELECT id FROM s", []))
            .values(*RECORD_COLUMNS)
            .query.sql_with_params()
        )
        element, more = _pairs(record_fields, RECORD_FIELDS)
        parts.append(
            f"%s, (SELECT coalesce(json_agg(json_build_object({element}) ORDER BY r.decision_date "
            f"DESC, r.id DESC), '[]'::json) FROM ({records_sql}) r)"
        )
        params += [key, *more, *records_params]
    sql = f"WITH s AS ({subject_sql}) SELECT json_build_object({', '.join(parts)})::text FROM s"  # noqa: S608 (from the ORM)
    all_params = (*subject_params, *params)
    digest = hashlib.sha256(repr((sql, all_params)).encode()).hexdigest()[:24]
    return Statement(f"credit_subject_{digest}", sql, all_params)


# Statements this process has prepared, per database connection (a reconnection starts afresh).
_prepared: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


def _prepare(statement: Statement) -> None:
    """Prepare the statement on this connection once, its one parameter the code. Planning took
    longer than executing (0.25 ms against 0.15 ms); a prepared statement is planned once and its
    plan kept (PostgreSQL plans it again when the search path names another district)."""
    done = _prepared.setdefault(connection.connection, set())
    if statement.name in done:
        return
    with connection.cursor() as cursor:
        params = [AsIs("$1") if p == _CODE else p for p in statement.params]
        literal = cursor.mogrify(statement.sql, params).decode()
        cursor.execute(f"PREPARE {statement.name} (text) AS {literal}")
    done.add(statement.name)


def answer(plan: Plan, variables: dict[str, Any] | None, today: date) -> dict[str, Any] | None:
    """The operation's `data`, the subject's JSON embedded as PostgreSQL built it; None when the
    variables do not fit the plan (the caller executes the document as usual, which reports it)."""
    code = plan.code_literal
    if plan.code_variable is not None:
        code = (variables or {}).get(plan.code_variable)
    if not isinstance(code, str):
        return None
    statement = _statement(plan, today)
    connection.ensure_connection()
    _prepare(statement)
    with connection.cursor() as cursor:
        cursor.execute(f"EXECUTE {statement.name} (%s)", [normalise(code)])
        row = cursor.fetchone()
    return {plan.root: None if row is None else orjson.Fragment(row[0])}
