"""The audit log. Platform entries (operator actions on districts) live in public."""
