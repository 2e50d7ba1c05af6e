"""Who may do what with reports and consents (staff roles of the district)."""

from __future__ import annotations

from core.accounts.enums import StaffRole

# Issue reports and record consents at the service-hall window.
WINDOW_ROLES = (StaffRole.WINDOW_CLERK, StaffRole.REVIEWER, StaffRole.DISTRICT_ADMIN)
# Check the consents institutions lodge over the API.
CONSENT_REVIEW_ROLES = (StaffRole.REVIEWER, StaffRole.DISTRICT_ADMIN)
