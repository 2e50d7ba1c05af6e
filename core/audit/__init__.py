"""The district's audit log: every write that matters to a subject, in the same transaction."""
