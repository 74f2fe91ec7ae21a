"""The one time format of the store and the OS account acting, for every record."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime


def utc_now() -> str:
    """UTC timestamp in ISO 8601 with a Z, the one time format of the store."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def os_user() -> str:
    """The OS account running this process ('unknown' where the OS cannot say)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
