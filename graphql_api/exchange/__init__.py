"""The exchange schema: served on every district's domain at /exchange/graphql/ to other districts
holding a signed token under an agreement (docs/subsystems/exchange.md)."""
