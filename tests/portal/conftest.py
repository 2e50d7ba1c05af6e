"""The portal's tests share a district with a department and a published record
(tests/support/pages.py)."""

from tests.support.pages import department, record

__all__ = ["department", "record"]
