"""Staff accounts. The same table exists in public (operator staff) and in each district (its staff)."""
