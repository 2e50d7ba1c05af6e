"""Writes for districts: the template schema, onboarding and the lifecycle."""
