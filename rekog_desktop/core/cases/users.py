"""Officers: registered users with a role and an optional password (scrypt), and signing in.

Who acts is authenticated here, for every front end: a user with a password gives it for every
action; a user without one can act only as their own OS account (the OS login identified them),
and not at all once the store policy requires passwords. The first user of a new store is its
supervisor; after that only a supervisor adds users, changes roles and resets passwords.
Failed sign-ins are audited.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass

from rekog_desktop.core.audit import trail
from rekog_desktop.core.audit.events import (
    SignInFailed,
    UserCreated,
    UserPasswordSet,
    UserRoleChanged,
)
from rekog_desktop.core.cases.policy import read_policy
from rekog_desktop.core.cases.roles import Operation, Role, require
from rekog_desktop.core.common.clock import os_user, utc_now
from rekog_desktop.core.common.errors import RekogError
from rekog_desktop.core.gallery.store import GalleryStore

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}

#: Asks for a password with the prompt given; None when none can be asked (no terminal).
PasswordSource = Callable[[str], str | None]


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: Role
    has_password: bool


@dataclass(frozen=True)
class Officer:
    """The signed-in person every action is signed with; `os_user` is the OS account of the
    session, recorded beside the name; `by_password` says how the officer was identified."""

    name: str
    role: Role
    os_user: str
    by_password: bool

    def require(self, operation: Operation) -> None:
        """Raise PermissionDenied unless this officer's role allows `operation`."""
        require(self.name, self.role, operation)


class UserError(RekogError):
    """Unknown user, wrong or missing password, or a user change that is not allowed."""


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


def get_user(store: GalleryStore, name: str) -> User | None:
    row = store.db.execute(
        "SELECT id, name, role, password_hash FROM users WHERE name = ?", [name.strip()]
    ).fetchone()
    return User(int(row[0]), row[1], Role(row[2]), row[3] is not None) if row else None


def list_users(store: GalleryStore) -> list[User]:
    rows = store.db.execute("SELECT id, name, role, password_hash FROM users ORDER BY name")
    return [User(int(r[0]), r[1], Role(r[2]), r[3] is not None) for r in rows]


def sign_in(store: GalleryStore, name: str | None, ask: PasswordSource) -> Officer:
    """Authenticate the officer acting: `name` (None: the OS account). Raises UserError, after
    auditing the failed attempt, for a wrong or missing password or an unknown name."""
    me = os_user()
    name = (name or "").strip() or me
    policy = read_policy(store)
    user = get_user(store, name)
    if user is None:
        return _register_on_first_use(store, name, me, ask)
    if user.has_password:
        password = ask(f"Password for {name}")
        if not password:
            _refuse(store, name, "no password given")
            raise UserError(
                f"{name} has a password: give it on the terminal or with --password-stdin"
            )
        if not check_password(password, _password_hash(store, user.id)):
            _refuse(store, name, "wrong password")
            raise UserError(f"wrong password for {name}")
        return Officer(user.name, user.role, me, by_password=True)
    if policy.require_passwords:
        _refuse(store, name, "no password set; the store policy requires one")
        raise UserError(
            f"{name} has no password and this store requires one: a supervisor sets it with "
            f"`rekog user password {name}`"
        )
    if name != me:
        _refuse(store, name, f"no password; OS account is {me}")
        raise UserError(
            f"{name} has no password, so only the OS account {name} can act as {name} "
            f"(this is {me}): a supervisor sets a password with `rekog user password {name}`"
        )
    return Officer(user.name, user.role, me, by_password=False)


def os_account_officer(store: GalleryStore) -> Officer | None:
    """The OS account signed in without a prompt (the app at start-up), or None when that
    would need a password: the app then asks, so no failed attempt is logged for it."""
    me = os_user()
    user = get_user(store, me)
    if read_policy(store).require_passwords or (user is not None and user.has_password):
        return None
    return sign_in(store, me, lambda _prompt: None)


def _register_on_first_use(store: GalleryStore, name: str, me: str, ask: PasswordSource) -> Officer:
    """A new store's first user becomes its supervisor; later, an OS account acting as itself
    is registered as an analyst (when the policy allows users without passwords)."""
    first = not list_users(store)
    policy = read_policy(store)
    if not first and (name != me or policy.require_passwords):
        _refuse(store, name, "unknown user")
        raise UserError(f"unknown user {name!r}: a supervisor adds them with `rekog user add`")
    password = None
    if name != me:
        password = ask(f"New password for {name}, the first user (supervisor) of this store")
        if not password:
            raise UserError(
                f"{name} would be this store's first user (its supervisor) and is not your OS "
                f"account ({me}): give a password (terminal or --password-stdin), or act as {me}"
            )
    role = Role.SUPERVISOR if first else Role.ANALYST
    _insert_user(store, name, role, password, actor=name, first=first)
    return Officer(name, role, me, by_password=password is not None)


def add_user(
    store: GalleryStore, by: Officer, name: str, role: Role | str, password: str | None
) -> User:
    """A supervisor registers a user (audited with the role and whether a password was set)."""
    by.require(Operation.MANAGE_USERS)
    name = name.strip()
    if not name:
        raise UserError("a user needs a name")
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise UserError("a user name cannot hold control characters")
    if get_user(store, name) is not None:
        raise UserError(f"user {name!r} already exists")
    if read_policy(store).require_passwords and not password:
        raise UserError("this store requires passwords: give the new user one")
    _insert_user(store, name, Role(role), password, actor=by.name)
    user = get_user(store, name)
    assert user is not None
    return user


def set_role(store: GalleryStore, by: Officer, name: str, role: Role | str) -> User:
    by.require(Operation.MANAGE_USERS)
    user = _existing(store, name)
    role = Role(role)
    if user.role is Role.SUPERVISOR and role is not Role.SUPERVISOR and _supervisors(store) == 1:
        raise UserError(f"{name} is the store's only supervisor: make another one first")
    with store.transaction():
        store.db.execute("UPDATE users SET role = ? WHERE id = ?", [role.value, user.id])
        trail.append_event(
            store,
            UserRoleChanged(name=user.name, old_role=user.role.value, new_role=role.value),
            actor=by.name,
        )
    return User(user.id, user.name, role, user.has_password)


def set_password(store: GalleryStore, by: Officer, name: str, password: str) -> None:
    """A supervisor resets anyone's password; any officer changes their own."""
    if name.strip() != by.name:
        by.require(Operation.MANAGE_USERS)
    if not password:
        raise UserError("the new password is empty")
    user = _existing(store, name)
    with store.transaction():
        store.db.execute(
            "UPDATE users SET password_hash = ? WHERE id = ?", [hash_password(password), user.id]
        )
        trail.append_event(store, UserPasswordSet(name=user.name), actor=by.name)


def users_without_password(store: GalleryStore) -> list[str]:
    return [u.name for u in list_users(store) if not u.has_password]


def _existing(store: GalleryStore, name: str) -> User:
    user = get_user(store, name)
    if user is None:
        raise UserError(f"unknown user {name!r}")
    return user


def _supervisors(store: GalleryStore) -> int:
    row = store.db.execute("SELECT count(*) FROM users WHERE role = 'supervisor'").fetchone()
    return int(row[0])


def _password_hash(store: GalleryStore, user_id: int) -> str:
    row = store.db.execute("SELECT password_hash FROM users WHERE id = ?", [user_id]).fetchone()
    return str(row[0])


def _insert_user(
    store: GalleryStore,
    name: str,
    role: Role,
    password: str | None,
    *,
    actor: str,
    first: bool = False,
) -> None:
    with store.transaction():
        store.db.execute(
            "INSERT INTO users (name, role, password_hash, created_utc) VALUES (?, ?, ?, ?)",
            [name, role.value, hash_password(password) if password else None, utc_now()],
        )
        created = UserCreated(name=name, role=role.value, password=bool(password), first_user=first)
        trail.append_event(store, created, actor=actor)


def _refuse(store: GalleryStore, name: str, reason: str) -> None:
    """Audit a failed sign-in in its own transaction (it must stay when the action fails)."""
    if store.db.conn.in_transaction:
        return  # never commit someone else's half-done work; the caller's error stands
    trail.append_event(store, SignInFailed(name=name, reason=reason), actor=name)
