"""The common kernel: placement markers, errors, actors, administrative divisions."""
