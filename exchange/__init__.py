"""District-to-district exchange of shared records under agreements (issue 8).

Public schema (`exchange`): sharing agreements and their scope, and every district's public signing
keys. District schemas (`exchange.district`): the district's own signing keys (private halves
encrypted) and its hash-chained exchange log. docs/subsystems/exchange.md has the whole picture;
docs/adr/0011-exchange-tokens-and-signatures.md the wire format.
"""
