"""Local app users (reviewers): a name and a role; an optional password hashed with scrypt.

Roles: analyst (searches, decides), reviewer and supervisor (also verify others' decisions),
auditor (reads the trail; makes no decisions).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from enum import StrEnum

from rekog_desktop.core.audit import trail
from rekog_desktop.core.common.clock import os_user, utc_now
from rekog_desktop.core.common.errors import RekogError
from rekog_desktop.core.gallery.store import GalleryStore

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class Role(StrEnum):
    ANALYST = "analyst"
    REVIEWER = "reviewer"
    SUPERVISOR = "supervisor"
    AUDITOR = "auditor"


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: Role
    has_password: bool


class UserError(RekogError):
    """Unknown user, wrong password, or a role not allowed to do something."""


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        computed = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p)
        )
    except ValueError:
        return False
    return hmac.compare_digest(computed.hex(), digest)


def create_user(
    store: GalleryStore, name: str, role: Role | str, *, password: str | None = None, actor: str
) -> User:
    name = name.strip()
    if not name:
        raise UserError("a user needs a name")
    role = Role(role)
    if get_user(store, name) is not None:
        raise UserError(f"user {name!r} already exists")
    with store.transaction():
        cursor = store.db.execute(
            "INSERT INTO users (name, role, password_hash, created_utc) VALUES (?, ?, ?, ?)",
            [name, role.value, hash_password(password) if password else None, utc_now()],
        )
        trail.append_event(store, "user_created", {"name": name, "role": role.value}, actor=actor)
    return User(int(cursor.lastrowid or 0), name, role, bool(password))


def get_user(store: GalleryStore, name: str) -> User | None:
    row = store.db.execute(
        "SELECT id, name, role, password_hash FROM users WHERE name = ?", [name.strip()]
    ).fetchone()
    return User(int(row[0]), row[1], Role(row[2]), row[3] is not None) if row else None


def list_users(store: GalleryStore) -> list[User]:
    rows = store.db.execute("SELECT id, name, role, password_hash FROM users ORDER BY name")
    return [User(int(r[0]), r[1], Role(r[2]), r[3] is not None) for r in rows]


def authenticate(store: GalleryStore, name: str, password: str | None) -> User:
    """The named user, checking the password when the user has one."""
    user = get_user(store, name)
    if user is None:
        raise UserError(f"unknown user {name!r}")
    if user.has_password:
        row = store.db.execute("SELECT password_hash FROM users WHERE id = ?", [user.id]).fetchone()
        if not password or not check_password(password, row[0]):
            raise UserError(f"wrong password for {name!r}")
    return user


def resolve_reviewer(store: GalleryStore, name: str | None) -> User:
    """The reviewer acting: a named, registered user, or (for a CLI run with no name) the OS
    user, registered as an analyst on first use so every action has a named actor."""
    if name:
        user = get_user(store, name)
        if user is None:
            raise UserError(f"unknown reviewer {name!r}: add them with `rekog user add`")
        return user
    me = os_user()
    return get_user(store, me) or create_user(store, me, Role.ANALYST, actor=me)
