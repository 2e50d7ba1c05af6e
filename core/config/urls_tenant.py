"""URLs on a district's domain: the portal (portal/), the staff console (console/) and the district
GraphQL API."""

from django.urls import path

import console.articles
import console.audit
import console.catalogue
import console.consents
import console.discipline
import console.discipline_report
import console.exchange
import console.home
import console.record_sector
import console.records
import console.remedies
import console.reports
import console.scoring
import console.staff
import console.stats
import console.subjects
import console.submissions
import console.theme
import console.uploads
import console.upstream
import portal.articles
import portal.home
import portal.lists
import portal.offers
import portal.receipts
import portal.remedies
import portal.reports
import portal.search
import portal.stats
import portal.submissions
from billing import api as billing_api
from core.storage.views import signed_file
from graphql_api import developers
from graphql_api.exchange.views import exchange_graphql_view
from graphql_api.views import district_graphql_view

handler404 = "portal.errors.not_found"
handler500 = "portal.errors.server_error"

urlpatterns = [
    # The API first: Django tries the patterns in order, and these take most of the requests.
    path("graphql/", district_graphql_view, name="graphql"),
    path("exchange/graphql/", exchange_graphql_view, name="exchange-graphql"),
    path("", portal.home.home, name="portal-home"),
    path("developers/graphiql/", developers.graphiql_page, name="developers-graphiql"),
    path("console/", console.home.console_home, name="console-home"),
    path("console/login/", console.home.ConsoleLoginView.as_view(), name="console-login"),
    path("console/logout/", console.home.ConsoleLogoutView.as_view(), name="console-logout"),
    path("console/first-login/<str:token>/", console.home.first_login, name="console-first-login"),
    path("console/uploads/", console.uploads.uploads, name="console-uploads"),
    path("console/uploads/<int:batch_id>/", console.uploads.upload_detail, name="console-upload"),
    path(
        "console/uploads/template/<str:prefix>.csv",
        console.uploads.upload_template,
        name="console-upload-template",
    ),
    path(
        "console/uploads/<int:batch_id>/mapping/",
        console.uploads.upload_mapping,
        name="console-upload-mapping",
    ),
    path(
        "console/uploads/mappings/",
        console.uploads.mapping_profiles,
        name="console-mapping-profiles",
    ),
    path(
        "console/uploads/mappings/<int:profile_id>/",
        console.uploads.mapping_profile_edit,
        name="console-mapping-profile",
    ),
    path(
        "console/uploads/<int:batch_id>/progress/",
        console.uploads.upload_progress,
        name="console-upload-progress",
    ),
    path("console/subjects/", console.subjects.subjects, name="console-subjects"),
    path(
        "console/subjects/r/<str:token>/",
        console.subjects.subject_results,
        name="console-subject-results",
    ),
    path(
        "console/subjects/<int:subject_id>/",
        console.subjects.subject_detail,
        name="console-subject",
    ),
    path("console/records/new/", console.records.record_new, name="console-record-new"),
    path("console/records/<int:record_id>/", console.records.record_detail, name="console-record"),
    path(
        "console/records/<int:record_id>/sector/",
        console.record_sector.record_sector,
        name="console-record-sector",
    ),
    path("console/staff/", console.staff.staff, name="console-staff"),
    path("console/staff/unlock/", console.staff.staff_unlock, name="console-staff-unlock"),
    path("console/scoring/", console.scoring.scoring, name="console-scoring"),
    path("console/stats/", console.stats.stats, name="console-stats"),
    path("console/audit/", console.audit.audit, name="console-audit"),
    path("console/exchange/", console.exchange.exchange_home, name="console-exchange"),
    path(
        "console/exchange/agreements/<int:agreement_id>/",
        console.exchange.exchange_agreement,
        name="console-exchange-agreement",
    ),
    path("console/exchange/log/", console.exchange.exchange_log, name="console-exchange-log"),
    path(
        "console/exchange/lookup/", console.exchange.exchange_lookup, name="console-exchange-lookup"
    ),
    path("console/theme/", console.theme.theme, name="console-theme"),
    path("console/upstream/", console.upstream.upstream, name="console-upstream"),
    path(
        "console/upstream/batches/<int:batch_id>/",
        console.upstream.upstream_batch,
        name="console-upstream-batch",
    ),
    path("console/consents/", console.consents.consents, name="console-consents"),
    path(
        "console/consents/<int:consent_id>/",
        console.consents.consent_detail,
        name="console-consent",
    ),
    path(
        "console/discipline/checks/<str:number>/report.pdf",
        console.discipline_report.check_report,
        name="console-discipline-check-report",
    ),
    path("console/remedies/", console.remedies.remedies, name="console-remedies"),
    path(
        "console/remedies/objections/<int:objection_id>/",
        console.remedies.objection_detail,
        name="console-objection",
    ),
    path(
        "console/remedies/repairs/<int:application_id>/",
        console.remedies.repair_detail,
        name="console-repair",
    ),
    path(
        "console/records/<int:record_id>/objection/",
        console.remedies.objection_new,
        name="console-objection-new",
    ),
    path(
        "console/records/<int:record_id>/repair/",
        console.remedies.repair_new,
        name="console-repair-new",
    ),
    path(
        "console/discipline/matters/", console.discipline.matters, name="console-discipline-matters"
    ),
    path(
        "console/discipline/matters/<int:matter_id>/",
        console.discipline.matter_detail,
        name="console-discipline-matter",
    ),
    path("console/discipline/check/", console.discipline.check, name="console-discipline-run"),
    path("console/discipline/checks/", console.discipline.checks, name="console-discipline-checks"),
    path(
        "console/discipline/checks/<str:number>/",
        console.discipline.check_detail,
        name="console-discipline-check",
    ),
    path(
        "console/discipline/feedback/",
        console.discipline.feedback_queue,
        name="console-discipline-feedback",
    ),
    path("achievements/", portal.stats.achievements, name="portal-achievements"),
    path("services/", portal.offers.services, name="portal-services"),
    path("search/", portal.search.search, name="portal-search"),
    path("search/r/<str:token>/", portal.search.search_results, name="portal-search-results"),
    path("articles/<int:article_id>/", portal.articles.article_page, name="portal-article"),
    path("console/articles/", console.articles.console_articles, name="console-articles"),
    path(
        "console/articles/new/",
        console.articles.console_article_edit,
        name="console-article-new",
    ),
    path(
        "console/articles/<int:article_id>/",
        console.articles.console_article_edit,
        name="console-article",
    ),
    path("subjects/<int:subject_id>/", portal.search.subject_page, name="portal-subject"),
    path("lists/<str:which>/", portal.lists.credit_list, name="portal-list"),
    path("joint-punishment/", portal.lists.joint_punishment, name="portal-joint-punishment"),
    *[
        path(
            f"{section}/",
            portal.articles.article_list,
            {"section": section},
            name=f"portal-{section}",
        )
        for section in portal.articles.SECTIONS
    ],
    path("objections/new/", portal.remedies.objection_new, name="portal-objection-new"),
    path("reports/verify/", portal.reports.report_verify_page, name="portal-report-verify"),
    path(
        "console/subjects/<int:subject_id>/window/", console.reports.window, name="console-window"
    ),
    path("console/reports/<int:report_id>/", console.reports.report_view, name="console-report"),
    path("repair/new/", portal.remedies.repair_new, name="portal-repair-new"),
    path("console/catalogue/", console.catalogue.catalogue, name="console-catalogue"),
    path("console/submissions/", console.submissions.submissions, name="console-submissions"),
    path(
        "console/submissions/<int:submission_id>/",
        console.submissions.submission_review,
        name="console-submission",
    ),
    path("submissions/new/", portal.submissions.submission_new, name="portal-submission-new"),
    # The old status address shows the same page: the number travels in a POST body now.
    path("submissions/status/", portal.receipts.receipt_status, name="portal-submission-status"),
    path("receipts/", portal.receipts.receipt_status, name="portal-receipts"),
    path("files/<str:token>/", signed_file, name="storage-file"),
    *billing_api.urlpatterns,
]
