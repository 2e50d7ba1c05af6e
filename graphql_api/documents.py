"""What a GraphQL document may be before anything parses, validates, caches or stores it.

A document is refused when it is longer than GRAPHQL_MAX_DOCUMENT_CHARS or has more than
GRAPHQL_MAX_TOKENS tokens counting its comments: graphql-core's own token limit skips comments, so
a document of one short query and two megabytes of comments passed it, and strawberry's parser
cache then kept every such document (issue 18, finding 3). Variables are not documents: a
consent's file travels in variables and is limited where it is read.
"""

from __future__ import annotations

from functools import cache, lru_cache

from django.conf import settings
from graphql import GraphQLSchema, parse, specified_rules, validate
from graphql.error import GraphQLError
from graphql.language import Lexer, Source, TokenKind
from graphql.validation import ASTValidationRule
from strawberry.extensions.max_aliases import create_validator as alias_limit_rule
from strawberry.extensions.query_depth_limiter import create_validator as depth_limit_rule


class DocumentRefused(Exception):
    """The document is over a limit; `message` says which, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def limit_rules() -> tuple[type[ASTValidationRule], ...]:
    """The depth and alias rules, built once per pair of limits: strawberry's validation cache is
    keyed by the rule classes, and a new class per request would never hit."""
    return _limit_rules(settings.GRAPHQL_MAX_DEPTH, settings.GRAPHQL_MAX_ALIASES)


@cache
def _limit_rules(depth: int, aliases: int) -> tuple[type[ASTValidationRule], ...]:
    return depth_limit_rule(depth, should_ignore=None), alias_limit_rule(aliases)


@lru_cache(maxsize=1024)
def count_tokens(document: str) -> int:
    """Every token of the document, comments included (0 for one that does not lex: the parser
    reports its syntax error). Remembered per document: clients send the same few again and
    again, and only documents within the length limit are counted."""
    lexer = Lexer(Source(document))
    start = lexer.token
    try:
        while lexer.advance().kind != TokenKind.EOF:
            pass
    except GraphQLError:
        return 0
    count, token = 0, start.next
    while token is not None and token.kind != TokenKind.EOF:
        count += 1
        token = token.next
    return count


def document_check(document: str) -> None:
    """Raise DocumentRefused when the document is too long or has too many tokens."""
    if len(document) > settings.GRAPHQL_MAX_DOCUMENT_CHARS:
        raise DocumentRefused(
            f"查询文档过长：{len(document)}个字符，上限为{settings.GRAPHQL_MAX_DOCUMENT_CHARS}个"
        )
    tokens = count_tokens(document)
    if tokens > settings.GRAPHQL_MAX_TOKENS:
        raise DocumentRefused(
            f"查询文档的词法单元过多（含注释）：{tokens}个，上限为{settings.GRAPHQL_MAX_TOKENS}个"
        )


def document_is_valid(schema: GraphQLSchema, document: str) -> bool:
    """Does the document parse and pass the schema's validation, limits included?"""
    try:
        parsed = parse(document, max_tokens=settings.GRAPHQL_MAX_TOKENS)
    except GraphQLError:
        return False
    return not validate(schema, parsed, [*specified_rules, *limit_rules()])
