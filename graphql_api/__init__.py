"""GraphQL: one Strawberry schema per audience (district, operator), a package per domain."""
