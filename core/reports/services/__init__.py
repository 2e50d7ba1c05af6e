"""Writes for reports: consents (consents.py) and issuing reports with their query log
(issuing.py). Callers import from here."""

from core.reports.selectors import ReportSite
from core.reports.services.consents import (
    CONSENT_NOT_VERIFIED,
    ConsentRefused,
    ConsentTerms,
    consent_lodge,
    consent_policy_set,
    consent_record,
    consent_usable,
    consent_verify,
)
from core.reports.services.issuing import (
    FREE_SELF_QUERIES_PER_YEAR,
    PreparedReport,
    QueryGrant,
    Requester,
    query_authorise,
    query_log_issued,
    query_refuse_unknown_person,
    report_issue,
    report_prepare,
    report_store,
    self_queries_this_year,
    self_query_fee,
    window_price_set,
)

__all__ = [
    "CONSENT_NOT_VERIFIED",
    "FREE_SELF_QUERIES_PER_YEAR",
    "ConsentRefused",
    "ConsentTerms",
    "QueryGrant",
    "PreparedReport",
    "ReportSite",
    "Requester",
    "consent_lodge",
    "consent_policy_set",
    "consent_record",
    "consent_usable",
    "consent_verify",
    "query_authorise",
    "query_log_issued",
    "query_refuse_unknown_person",
    "report_issue",
    "report_prepare",
    "report_store",
    "self_queries_this_year",
    "self_query_fee",
    "window_price_set",
]
