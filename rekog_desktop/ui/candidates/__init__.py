"""The ranked candidate list of the searched probe face."""
