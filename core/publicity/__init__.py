"""Publicity periods and repair eligibility as versioned rules (DOMAIN.md §5), public reference data."""
