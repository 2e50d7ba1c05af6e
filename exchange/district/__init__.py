"""The district-schema half of the exchange: signing keys and the exchange log."""
