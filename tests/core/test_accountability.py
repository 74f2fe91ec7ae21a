"""Who did what is enforced: each walk-around found by trying is refused by the real `rekog`
command (exit 2, a clear message, nothing written) or caught by `rekog audit verify` (exit 1,
naming the first bad event)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from rekog_desktop.core.audit.trail import GENESIS_HASH, event_hash
from rekog_desktop.core.cases.roles import PERMISSIONS, Operation, Role
from tests.conftest import password_of

REKOG = str(Path(sys.executable).with_name("rekog"))
CASE = "2026-0042"


@dataclass
class Store:
    path: Path
    search_id: int
    decision_id: int

    def run(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [REKOG, "--db", str(self.path), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def act(self, name: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a command as `name`, giving their password on stdin."""
        return self.run(*args, "--reviewer", name, "--password-stdin", stdin=password_of(name))

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.path) as conn:
            return conn.execute(sql).fetchall()

    def events(self) -> int:
        return int(self.rows("SELECT count(*) FROM audit")[0][0])

    def verify(self, *extra: str) -> subprocess.CompletedProcess[str]:
        return self.run("audit", "verify", "--json", *extra)


def _ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def prepared(
    gallery_path: Path, held_out: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Store:
    """A store whose first user (the OS account, so its supervisor) added an analyst, a
    reviewer and an auditor with passwords; the analyst searched and accepted a candidate."""
    path = tmp_path_factory.mktemp("accountability") / "gallery.sqlite"
    shutil.copy(gallery_path, path)
    store = Store(path, 0, 0)
    for name, role in (("dc_smith", "analyst"), ("ds_jones", "reviewer"), ("a_audit", "auditor")):
        _ok(
            store.run(
                "user",
                "add",
                name,
                "--role",
                role,
                "--password",
                "--password-stdin",
                stdin=password_of(name),
            )
        )
    _ok(
        store.act(
            "dc_smith",
            "case",
            "new",
            "--number",
            CASE,
            "--title",
            "Corner shop",
            "--purpose",
            "robbery",
            "--legal-basis",
            "warrant 17/2026",
        )
    )
    found = _ok(
        store.act(
            "dc_smith",
            "search",
            str(held_out["kit_harington"]),
            "--case",
            CASE,
            "--face",
            "1",
            "--json",
        )
    )
    store.search_id = json.loads(found.stdout.splitlines()[-1])["faces"][0]["search_id"]
    decided = _ok(
        store.act(
            "dc_smith",
            "decide",
            "--search",
            str(store.search_id),
            "--rank",
            "1",
            "--verdict",
            "accept",
            "--reason",
            "same scar",
        )
    )
    store.decision_id = int(decided.stdout.split()[1].rstrip(":"))
    _ok(store.act("dc_smith", "case", "note", CASE, "Footage from the shop owner"))
    return store


@pytest.fixture
def store(prepared: Store, tmp_path: Path) -> Store:
    """A private copy of the prepared store per test (its key folder is shared: same store)."""
    target = tmp_path / "gallery.sqlite"
    with sqlite3.connect(prepared.path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return Store(target, prepared.search_id, prepared.decision_id)


def _refused(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


# -- authentication ---------------------------------------------------------------------------


def test_a_password_is_needed_for_every_action(store: Store) -> None:
    before = store.rows("SELECT count(*) FROM verifications")
    result = store.run(
        "verify-decision",
        "--decision",
        str(store.decision_id),
        "--verdict",
        "confirm",
        "--reviewer",
        "ds_jones",
    )
    _refused(result, "ds_jones has a password")
    assert store.rows("SELECT count(*) FROM verifications") == before
    failed = store.rows("SELECT data FROM audit WHERE event_type = 'sign_in_failed'")
    assert {"name": "ds_jones", "reason": "no password given"} in [json.loads(r[0]) for r in failed]


def test_a_wrong_password_is_refused_and_audited(store: Store) -> None:
    result = store.run(
        "decide",
        "--search",
        str(store.search_id),
        "--rank",
        "2",
        "--verdict",
        "reject",
        "--reviewer",
        "dc_smith",
        "--password-stdin",
        stdin="guess",
    )
    _refused(result, "wrong password for dc_smith")
    assert store.rows("SELECT count(*) FROM decisions WHERE rank = 2") == [(0,)]
    (last,) = store.rows("SELECT event_type, data FROM audit ORDER BY id DESC LIMIT 1")
    assert last[0] == "sign_in_failed" and json.loads(str(last[1]))["name"] == "dc_smith"


def test_a_password_is_never_an_argument(store: Store) -> None:
    result = store.run(
        "decide",
        "--search",
        "1",
        "--rank",
        "1",
        "--verdict",
        "reject",
        "--reviewer",
        "dc_smith",
        "--password",
        password_of("dc_smith"),
    )
    assert result.returncode == 2 and "No such option" in result.stderr


def test_another_name_without_a_password_cannot_be_borrowed(store: Store) -> None:
    events = store.events()
    _refused(store.run("case", "note", CASE, "x", "--reviewer", "nobody_here"), "unknown user")
    assert store.rows("SELECT count(*) FROM users WHERE name = 'nobody_here'") == [(0,)]
    assert store.rows("SELECT count(*) FROM case_notes") == [(1,)]
    assert store.events() == events + 1  # only the failed sign-in


def test_the_policy_makes_every_user_give_a_password(store: Store) -> None:
    # The supervisor (the OS account, no password yet) cannot lock the store against themselves.
    _refused(store.run("store", "policy", "--require-passwords", "on"), "set your own password")
    me = store.rows("SELECT name FROM users WHERE role = 'supervisor'")[0][0]
    _ok(store.run("user", "password", str(me), "--password-stdin", stdin="chief-pw"))
    _ok(
        store.run(
            "store", "policy", "--require-passwords", "on", "--password-stdin", stdin="chief-pw"
        )
    )
    assert json.loads(_ok(store.run("store", "policy", "--json")).stdout)["require_passwords"]
    # Now the OS account must give its password too.
    _refused(store.run("case", "note", CASE, "x"), "has a password")
    _ok(store.run("case", "note", CASE, "x", "--password-stdin", stdin="chief-pw"))
    changed = store.rows("SELECT data FROM audit WHERE event_type = 'policy_changed'")
    assert json.loads(str(changed[-1][0]))["to"]["require_passwords"] is True


# -- role administration ----------------------------------------------------------------------


def test_an_analyst_cannot_make_a_supervisor(store: Store) -> None:
    result = store.run(
        "user",
        "add",
        "dc_smith2",
        "--role",
        "supervisor",
        "--password",
        "--reviewer",
        "dc_smith",
        "--password-stdin",
        stdin=f"{password_of('dc_smith')}\nalias-pw\n",
    )
    _refused(result, "may not add users")
    assert store.rows("SELECT count(*) FROM users WHERE name = 'dc_smith2'") == [(0,)]


def test_only_a_supervisor_changes_roles_and_resets_passwords(store: Store) -> None:
    _refused(store.act("ds_jones", "user", "role", "dc_smith", "supervisor"), "may not")
    _refused(
        store.run(
            "user",
            "password",
            "ds_jones",
            "--reviewer",
            "dc_smith",
            "--password-stdin",
            stdin=f"{password_of('dc_smith')}\nnew\n",
        ),
        "may not",
    )
    _ok(store.run("user", "role", "dc_smith", "reviewer"))  # the supervisor (OS account)
    assert store.rows("SELECT role FROM users WHERE name = 'dc_smith'") == [("reviewer",)]
    kinds = [r[0] for r in store.rows("SELECT event_type FROM audit")]
    assert "user_role_changed" in kinds


def test_the_first_user_of_a_new_store_is_its_supervisor(tmp_path: Path) -> None:
    fresh = Store(tmp_path / "new.sqlite", 0, 0)
    _ok(
        fresh.run(
            "case", "new", "--number", "1", "--title", "t", "--purpose", "p", "--legal-basis", "b"
        )
    )
    assert fresh.rows("SELECT role FROM users") == [("supervisor",)]
    first = json.loads(
        str(fresh.rows("SELECT data FROM audit WHERE event_type='user_created'")[0][0])
    )
    assert first["first_user"] is True


# -- the role table, cell by cell -------------------------------------------------------------


def _cell_commands(
    store: Store, held_out: dict[str, Path], tmp: Path
) -> dict[Operation, list[str]]:
    photo = str(held_out["joe_biden"])
    return {
        Operation.IMPORT: ["import", photo, "--subject", "joe_biden"],
        Operation.OPEN_CASE: [
            "case",
            "new",
            "--number",
            f"N-{tmp.name}",
            "--title",
            "t",
            "--purpose",
            "p",
            "--legal-basis",
            "b",
        ],
        Operation.NOTE: ["case", "note", CASE, "a note"],
        Operation.SEARCH: ["search", photo, "--case", CASE, "--face", "1"],
        Operation.DECIDE: [
            "decide",
            "--search",
            str(store.search_id),
            "--rank",
            "3",
            "--verdict",
            "inconclusive",
        ],
        Operation.VERIFY: ["verify-decision", "--list", "--case", CASE],
        Operation.EXPORT: ["export", CASE, "--pdf", str(tmp / "notes.pdf")],
        Operation.READ_AUDIT: ["audit", "checkpoint", "--out", str(tmp / "cp.json")],
        Operation.MANAGE_USERS: ["user", "role", "a_audit", "auditor"],
        Operation.SET_POLICY: ["store", "policy", "--require-reasons", "off"],
        Operation.CLOSE_CASE: ["case", "close", CASE],
        Operation.PURGE_CASE: ["case", "purge", CASE, "--reason", "retention period ended"],
    }


@pytest.mark.parametrize("role", list(Role))
def test_every_cell_of_the_role_table(
    store: Store, held_out: dict[str, Path], tmp_path: Path, role: Role
) -> None:
    """Each role runs one command per operation through the real CLI: allowed cells succeed,
    the others exit 2 with the rule, and nothing but the refusal is written."""
    name = {"analyst": "dc_smith", "reviewer": "ds_jones", "auditor": "a_audit"}.get(role.value)
    passwords = ""
    if name is None:  # the supervisor: the OS account
        name = str(store.rows("SELECT name FROM users WHERE role = 'supervisor'")[0][0])
    else:
        passwords = password_of(name)
    commands = _cell_commands(store, held_out, tmp_path)
    _ok(store.run("store", "policy", "--retention-days", "0"))  # a closed case may be purged
    last = [Operation.CLOSE_CASE, Operation.PURGE_CASE]
    order = [op for op in commands if op not in last] + last
    assert set(commands) | {Operation.VIEW, Operation.EDIT_GALLERY} == set(Operation)
    for operation in order:
        args = [*commands[operation], "--reviewer", name]
        if passwords:
            args.append("--password-stdin")
        before = store.events()
        result = store.run(*args, stdin=passwords)
        if operation in PERMISSIONS[role]:
            assert result.returncode in (0, 1), (role, operation, result.stderr)
        else:
            _refused(result, f"may not {operation.value}")
            assert store.events() == before, (role, operation)


def test_view_and_gallery_edits_follow_the_table(store: Store) -> None:
    """The two operations the CLI has no command for, through the workflow itself."""
    from rekog_desktop.core import workflow
    from rekog_desktop.core.cases.roles import PermissionDenied
    from rekog_desktop.core.cases.users import sign_in
    from rekog_desktop.core.gallery.store import GalleryStore

    with GalleryStore(store.path) as opened:
        for name, role in (("dc_smith", Role.ANALYST), ("a_audit", Role.AUDITOR)):
            who = sign_in(opened, name, lambda _p, n=name: password_of(n))
            photo = opened.photos()[0].id
            actions: dict[Operation, Callable[[], object]] = {
                Operation.VIEW: lambda w=who: workflow.view_candidate(
                    opened, w, store.search_id, 1
                ),
                Operation.EDIT_GALLERY: lambda w=who, p=photo: workflow.delete_photo(
                    opened, w, p, "test"
                ),
            }
            for operation, action in actions.items():
                if operation in PERMISSIONS[role]:
                    action()
                else:
                    with pytest.raises(PermissionDenied):
                        action()


# -- the chain: covered and anchored ----------------------------------------------------------


def _tamper(store: Store, *statements: str) -> None:
    with sqlite3.connect(store.path) as conn:
        for trigger in (
            "audit_no_update",
            "audit_no_delete",
            "decisions_no_update",
            "decisions_no_delete",
            "notes_no_update",
            "notes_no_delete",
        ):
            conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        for sql in statements:
            conn.execute(sql)


def _recompute_chain(store: Store) -> None:
    """What an attacker with SQL but without the key can do: rehash every event in order."""
    with sqlite3.connect(store.path) as conn:
        prev = GENESIS_HASH
        rows = conn.execute(
            "SELECT id, created_utc, actor, os_user, case_number, event_type, data FROM audit "
            "ORDER BY id"
        ).fetchall()
        for number, row in enumerate(rows, 1):
            digest = event_hash(
                event_id=number,
                created_utc=row[1],
                actor=row[2],
                os_user=row[3],
                case_number=row[4],
                event_type=row[5],
                data_json=row[6],
                prev_hash=prev,
            )
            conn.execute(
                "UPDATE audit SET id = ?, prev_hash = ?, hash = ? WHERE id = ?",
                [number, prev, digest, row[0]],
            )
            prev = digest
        conn.execute("UPDATE meta SET value = ? WHERE key = 'audit_seq'", [len(rows)])


def _broken(store: Store, *extra: str) -> dict[str, object]:
    result = store.verify(*extra)
    assert result.returncode == 1, result.stdout + result.stderr
    status: dict[str, object] = json.loads(result.stdout)
    assert status["ok"] is False and status["problem"]
    return status


def test_an_intact_store_verifies_with_its_checkpoint(store: Store, tmp_path: Path) -> None:
    _ok(store.run("audit", "checkpoint", "--out", str(tmp_path / "cp.json")))
    status = json.loads(_ok(store.verify("--checkpoint", str(tmp_path / "cp.json"))).stdout)
    assert status["ok"] and any("given checkpoint reached" in c for c in status["checkpoints"])


def test_deleting_the_newest_events_is_caught(store: Store, tmp_path: Path) -> None:
    _ok(store.run("audit", "checkpoint", "--out", str(tmp_path / "cp.json")))
    newest = store.events()
    _tamper(store, f"DELETE FROM audit WHERE id > {newest - 2}")
    assert _broken(store)["first_bad_id"] == newest - 1
    # ... also when the counter is set back to match
    _tamper(store, f"UPDATE meta SET value = {newest - 2} WHERE key = 'audit_seq'")
    _broken(store, "--checkpoint", str(tmp_path / "cp.json"))


def test_deleting_every_event_is_caught(store: Store, tmp_path: Path) -> None:
    _ok(store.run("audit", "checkpoint", "--out", str(tmp_path / "cp.json")))
    _tamper(store, "DELETE FROM audit", "UPDATE meta SET value = 0 WHERE key = 'audit_seq'")
    _broken(store, "--checkpoint", str(tmp_path / "cp.json"))


def test_an_appended_event_with_a_recomputed_hash_is_caught(store: Store) -> None:
    with sqlite3.connect(store.path) as conn:
        last_id, last_hash = conn.execute("SELECT id, hash FROM audit ORDER BY id DESC").fetchone()
    data = json.dumps({"decision_id": 1})
    digest = event_hash(
        event_id=last_id + 1,
        created_utc="2026-12-02T00:00:00.000000Z",
        actor="ds_jones",
        os_user="ds_jones",
        case_number=CASE,
        event_type="case_closed",
        data_json=data,
        prev_hash=last_hash,
    )
    _tamper(
        store,
        "INSERT INTO audit (id, created_utc, actor, os_user, case_number, event_type, data, "
        f"prev_hash, hash) VALUES ({last_id + 1}, '2026-12-02T00:00:00.000000Z', 'ds_jones', "
        f"'ds_jones', '{CASE}', 'case_closed', '{data}', '{last_hash}', '{digest}')",
        "UPDATE meta SET value = value + 1 WHERE key = 'audit_seq'",
    )
    assert _broken(store)["first_bad_id"] == last_id + 1


def test_a_chain_recomputed_after_an_edit_is_caught(store: Store, tmp_path: Path) -> None:
    _ok(store.run("audit", "checkpoint", "--out", str(tmp_path / "cp.json")))
    _tamper(
        store,
        "UPDATE audit SET data = replace(data, 'same scar', 'no scar') "
        "WHERE event_type = 'decision'",
        "UPDATE decisions SET reason = 'no scar'",
    )
    _recompute_chain(store)
    _broken(store)
    _broken(store, "--checkpoint", str(tmp_path / "cp.json"))


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        ("UPDATE decisions SET verdict = 'reject'", "verdict was changed"),
        ("UPDATE decisions SET reason = 'looked alike'", "reason was changed"),
        ("DELETE FROM case_notes", "was deleted"),
        ("DELETE FROM search_candidates WHERE rank = 2", "candidate list"),
        (
            "INSERT INTO decisions (search_id, rank, verdict, reason, reviewer, os_user, "
            "created_utc)"
            " VALUES (1, 2, 'accept', 'x', 'dc_smith', 'x', 'x')",
            "no audit event",
        ),
    ],
)
def test_a_row_changed_behind_its_event_is_caught(
    store: Store, statement: str, problem: str
) -> None:
    _tamper(store, statement)
    assert problem in str(_broken(store)["problem"])


def test_the_pdf_prints_the_anchor_and_a_checkpoint_lies_beside_it(
    store: Store, tmp_path: Path
) -> None:
    pdf = tmp_path / "notes.pdf"
    _ok(store.act("dc_smith", "export", CASE, "--pdf", str(pdf)))
    beside = Path(f"{pdf}.checkpoint.json")
    assert beside.exists() and oct(beside.stat().st_mode & 0o777) == "0o600"
    from pypdf import PdfReader

    text = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf).pages).split())
    assert "Signed checkpoint" in text and "events, head" in text
    _ok(store.verify("--checkpoint", str(beside)))
    _tamper(store, "DELETE FROM audit WHERE event_type = 'export'")
    _broken(store, "--checkpoint", str(beside))


def test_verify_on_a_missing_store_creates_nothing(tmp_path: Path) -> None:
    typo = Store(tmp_path / "typo.sqlite", 0, 0)
    result = typo.run("audit", "verify")
    _refused(result, "no gallery store")
    assert not typo.path.exists()


def test_a_url_never_becomes_a_file(tmp_path: Path) -> None:
    result = subprocess.run(
        [REKOG, "--db", "postgresql://user@host/db", "audit", "verify"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    _refused(result, "is a URL")
    assert list(tmp_path.iterdir()) == []


def test_an_auditor_cannot_scan_a_clip(store: Store, data_dir: Path) -> None:
    clip = sorted((data_dir / "video").glob("*.mp4"))[0]
    before = store.events()
    _refused(store.act("a_audit", "video", str(clip), "--case", CASE), "may not search a probe")
    assert store.events() == before
