"""Subjects: one per real entity (organisation, individual business, person)."""
