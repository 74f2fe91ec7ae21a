"""rekog-desktop: offline face search where a match is a lead, not an identification."""

__version__ = "0.1.0"
