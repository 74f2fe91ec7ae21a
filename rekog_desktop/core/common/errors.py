"""Specific exceptions of the core, each carrying a plain-language reason for the user."""

from __future__ import annotations


class RekogError(Exception):
    """Base class: the message is meant to be shown to a person as-is."""


class UnreadableImage(RekogError):
    """A file that cannot be turned into pixels: corrupt, truncated, not an image, too large."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class NoFaceFound(RekogError):
    """A probe in which the detector found no face."""


class StoreError(RekogError):
    """The gallery store cannot be opened or is not a rekog-desktop store."""


class EngineUnavailable(RekogError):
    """The face models cannot be found or loaded."""


class UnsupportedVideo(RekogError):
    """A file that cannot be decoded as a video: missing, empty, truncated, corrupt, audio-only,
    a still image, an unsupported codec, or not a video at all."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
