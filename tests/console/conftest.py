"""The staff console's tests share a district with a department, its data clerk and a published
record (tests/support/pages.py); `signed_in(user)` gives a client."""

from tests.support.pages import clerk, department, record

__all__ = ["clerk", "department", "record"]
