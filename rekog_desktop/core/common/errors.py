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


class AuditWriteFailed(RekogError):
    """The audit event of an action could not be written, so the action was not saved either
    (they share one transaction). The front ends show it in a dialog, never only in passing:
    an officer must know that what they just did is not on the record."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"The audit trail could not be written ({reason}): the action was not saved. "
            "Nothing was recorded; try again, and tell your supervisor if it happens again."
        )
        self.reason = reason
