"""URLs on a district's domain: the portal, the staff console and the district GraphQL API."""

from django.urls import path

from core.storage.views import signed_file
from graphql_api.exchange.views import exchange_graphql_view
from graphql_api.views import district_graphql_view
from portal_theme.views import (
    articles,
    console,
    console_audit,
    console_consents,
    console_exchange,
    console_records,
    console_remedies,
    console_reports,
    console_scoring,
    console_staff,
    console_stats,
    console_theme,
    console_upstream,
    portal,
    portal_remedies,
    portal_search,
    portal_services,
)

handler404 = "portal_theme.views.errors.not_found"
handler500 = "portal_theme.views.errors.server_error"

urlpatterns = [
    path("", portal.home, name="portal-home"),
    path("console/", console.console_home, name="console-home"),
    path("console/login/", console.ConsoleLoginView.as_view(), name="console-login"),
    path("console/logout/", console.ConsoleLogoutView.as_view(), name="console-logout"),
    path("console/first-login/<str:token>/", console.first_login, name="console-first-login"),
    path("console/uploads/", console_records.uploads, name="console-uploads"),
    path("console/uploads/<int:batch_id>/", console_records.upload_detail, name="console-upload"),
    path(
        "console/uploads/template/<str:prefix>.csv",
        console_records.upload_template,
        name="console-upload-template",
    ),
    path(
        "console/uploads/<int:batch_id>/progress/",
        console_records.upload_progress,
        name="console-upload-progress",
    ),
    path("console/subjects/", console_records.subjects, name="console-subjects"),
    path(
        "console/subjects/r/<str:token>/",
        console_records.subject_results,
        name="console-subject-results",
    ),
    path(
        "console/subjects/<int:subject_id>/", console_records.subject_detail, name="console-subject"
    ),
    path("console/records/new/", console_records.record_new, name="console-record-new"),
    path("console/records/<int:record_id>/", console_records.record_detail, name="console-record"),
    path("console/staff/", console_records.staff, name="console-staff"),
    path("console/staff/unlock/", console_staff.staff_unlock, name="console-staff-unlock"),
    path("console/scoring/", console_scoring.scoring, name="console-scoring"),
    path("console/stats/", console_stats.stats, name="console-stats"),
    path("console/audit/", console_audit.audit, name="console-audit"),
    path("console/exchange/", console_exchange.exchange_home, name="console-exchange"),
    path(
        "console/exchange/agreements/<int:agreement_id>/",
        console_exchange.exchange_agreement,
        name="console-exchange-agreement",
    ),
    path("console/exchange/log/", console_exchange.exchange_log, name="console-exchange-log"),
    path(
        "console/exchange/lookup/", console_exchange.exchange_lookup, name="console-exchange-lookup"
    ),
    path("console/theme/", console_theme.theme, name="console-theme"),
    path("console/upstream/", console_upstream.upstream, name="console-upstream"),
    path(
        "console/upstream/batches/<int:batch_id>/",
        console_upstream.upstream_batch,
        name="console-upstream-batch",
    ),
    path("console/consents/", console_consents.consents, name="console-consents"),
    path(
        "console/consents/<int:consent_id>/",
        console_consents.consent_detail,
        name="console-consent",
    ),
    path("console/remedies/", console_remedies.remedies, name="console-remedies"),
    path(
        "console/remedies/objections/<int:objection_id>/",
        console_remedies.objection_detail,
        name="console-objection",
    ),
    path(
        "console/remedies/repairs/<int:application_id>/",
        console_remedies.repair_detail,
        name="console-repair",
    ),
    path(
        "console/records/<int:record_id>/objection/",
        console_remedies.objection_new,
        name="console-objection-new",
    ),
    path(
        "console/records/<int:record_id>/repair/",
        console_remedies.repair_new,
        name="console-repair-new",
    ),
    path("achievements/", portal.achievements, name="portal-achievements"),
    path("services/", portal_services.services, name="portal-services"),
    path("search/", portal_search.search, name="portal-search"),
    path("search/r/<str:token>/", portal_search.search_results, name="portal-search-results"),
    path("articles/<int:article_id>/", articles.article_page, name="portal-article"),
    path("console/articles/", articles.console_articles, name="console-articles"),
    path("console/articles/new/", articles.console_article_edit, name="console-article-new"),
    path(
        "console/articles/<int:article_id>/", articles.console_article_edit, name="console-article"
    ),
    path("subjects/<int:subject_id>/", portal_search.subject_page, name="portal-subject"),
    path("lists/<str:which>/", portal_search.credit_list, name="portal-list"),
    path("joint-punishment/", portal_search.joint_punishment, name="portal-joint-punishment"),
    *[
        path(f"{section}/", articles.article_list, {"section": section}, name=f"portal-{section}")
        for section in articles.SECTIONS
    ],
    path("objections/new/", portal_remedies.objection_new, name="portal-objection-new"),
    path("reports/verify/", portal.report_verify_page, name="portal-report-verify"),
    path(
        "console/subjects/<int:subject_id>/window/", console_reports.window, name="console-window"
    ),
    path("console/reports/<int:report_id>/", console_reports.report_view, name="console-report"),
    path("repair/new/", portal_remedies.repair_new, name="portal-repair-new"),
    path("console/catalogue/", console_records.catalogue, name="console-catalogue"),
    path("console/submissions/", console_records.submissions, name="console-submissions"),
    path(
        "console/submissions/<int:submission_id>/",
        console_records.submission_review,
        name="console-submission",
    ),
    path("submissions/new/", portal.submission_new, name="portal-submission-new"),
    path("submissions/status/", portal.submission_lookup, name="portal-submission-status"),
    path("graphql/", district_graphql_view, name="graphql"),
    path("exchange/graphql/", exchange_graphql_view, name="exchange-graphql"),
    path("files/<str:token>/", signed_file, name="storage-file"),
]
