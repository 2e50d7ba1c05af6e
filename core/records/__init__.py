"""Credit records of every catalogue kind, with provenance and a derived publicity state."""
