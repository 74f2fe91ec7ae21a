"""Fault soak: kill -9 real `rekog import` and `rekog search` processes at random moments, then
check every store the kills touched.

    uv run python bench/fault_soak.py --photos 40 --import-kills 20 --search-kills 10
    uv run python bench/fault_soak.py --json          # one JSON line

Import: `rekog import` of the first --photos photos of lfw_dev (--subject-from-folder, two
worker processes) is started and killed with SIGKILL after a random delay (from before the
first commit to the end of the batch), --import-kills times; a store found complete is checked
and the next kills go to a new store. Search: over a complete store with an open case, `rekog
search PROBE... --case` (several probes, so a kill can fall between two recorded searches) is
killed the same way, --search-kills times. After every kill:

- corrupt stores: PRAGMA integrity_check is not "ok";
- lost committed rows: photos, searches or audit events seen committed just before the kill
  that are gone after it;
- duplicates: photos stored twice (same SHA-256), photos with a face count that does not match
  their faces (half a photo);
- unaudited rows: `rekog audit verify` fails (a search, decision or note with no event), or a
  stored photo that no import event names;
- processes left: processes of the killed command (its import workers) still alive 5 s later.

Every count should be 0; exit 1 otherwise. Delays come from --seed, so a run is repeatable up to
the machine's timing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
REKOG = [sys.executable, "-m", "rekog_desktop.cli"]
CASE = "SOAK-1"


@dataclass
class Counts:
    import_kills: int = 0
    search_kills: int = 0
    stores_checked: int = 0
    kills_mid_import: int = 0
    kills_mid_search: int = 0
    corrupt_stores: int = 0
    lost_committed_rows: int = 0
    duplicates: int = 0
    unaudited_rows: int = 0
    processes_left: int = 0
    seconds: float = 0.0

    @property
    def bad(self) -> int:
        return (
            self.corrupt_stores
            + self.lost_committed_rows
            + self.duplicates
            + self.unaudited_rows
            + self.processes_left
        )


@dataclass(frozen=True)
class Snapshot:
    """What a store holds as committed, read by another connection."""

    photos: frozenset[str]
    searches: frozenset[int]
    events: frozenset[int]


def _snapshot(db: Path) -> Snapshot:
    if not db.exists():
        return Snapshot(frozenset(), frozenset(), frozenset())
    for _ in range(50):
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
                if "photos" not in tables or "audit" not in tables:
                    return Snapshot(frozenset(), frozenset(), frozenset())
                return Snapshot(
                    frozenset(r[0] for r in conn.execute("SELECT sha256 FROM photos")),
                    frozenset(r[0] for r in conn.execute("SELECT id FROM searches")),
                    frozenset(r[0] for r in conn.execute("SELECT id FROM audit")),
                )
        except sqlite3.OperationalError:
            time.sleep(0.1)
    return Snapshot(frozenset(), frozenset(), frozenset())


def _descendants(pid: int) -> list[int]:
    """Every process under `pid` (from /proc: the soak must see real processes)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        children = [p for p, parent in parents.items() if parent == current]
        found.extend(children)
        frontier.extend(children)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _left_after(pids: list[int], seconds: float) -> int:
    """How many of `pids` are still alive after `seconds`; those are then killed, so the soak
    leaves nothing behind itself."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in pids):
            return 0
        time.sleep(0.1)
    left = [p for p in pids if _alive(p)]
    for pid in left:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return len(left)


def _kill_at_random(cmd: list[str], delay_s: float, db: Path) -> tuple[list[int], bool, Snapshot]:
    """Start `cmd`, SIGKILL it after `delay_s` (unless it ended first); returns the processes
    it had at the kill, whether it was killed while running, and what `db` held committed
    just before the kill."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=delay_s)
        return [], False, _snapshot(db)
    except subprocess.TimeoutExpired:
        pass
    committed = _snapshot(db)
    workers = _descendants(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return workers, True, committed


def _check(db: Path, before: Snapshot, counts: Counts) -> None:
    """Count what a kill broke in `db`; `before`: committed just before the kill."""
    counts.stores_checked += 1
    with sqlite3.connect(db, timeout=30) as conn:
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            counts.corrupt_stores += 1
            return
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        if "photos" not in tables:
            return  # killed before the store's schema was committed: nothing to lose
        counts.duplicates += conn.execute(
            "SELECT count(*) - count(DISTINCT sha256) FROM photos"
        ).fetchone()[0]
        counts.duplicates += conn.execute(
            """SELECT count(*) FROM photos p
            WHERE p.face_count != (SELECT count(*) FROM faces f WHERE f.photo_id = p.id)"""
        ).fetchone()[0]
        stored = {r[0] for r in conn.execute("SELECT sha256 FROM photos")}
        named: set[str] = set()
        for (data,) in conn.execute("SELECT data FROM audit WHERE event_type = 'import'"):
            named.update(f["sha256"] for f in json.loads(data)["files"])
        counts.unaudited_rows += len(stored - named)
    after = _snapshot(db)
    counts.lost_committed_rows += (
        len(before.photos - after.photos)
        + len(before.searches - after.searches)
        + len(before.events - after.events)
    )
    verify = subprocess.run([*REKOG, "--db", str(db), "audit", "verify"], capture_output=True)
    counts.unaudited_rows += verify.returncode != 0


def _photos(data: Path, wanted: int) -> list[Path]:
    """Folders of lfw_dev holding the first `wanted` photos (whole folders, name order)."""
    folders, total = [], 0
    for folder in sorted(p for p in (data / "lfw_dev").iterdir() if p.is_dir()):
        if total >= wanted:
            break
        folders.append(folder)
        total += len(list(folder.glob("*.jpg")))
    return folders


def soak(data: Path, *, photos: int, import_kills: int, search_kills: int, seed: int) -> Counts:
    rng = random.Random(seed)
    counts = Counts()
    started = time.monotonic()
    folders = _photos(data, photos)
    total = sum(len(list(f.glob("*.jpg"))) for f in folders)
    with tempfile.TemporaryDirectory(prefix="rekog-soak-") as tmp:
        os.environ.setdefault("REKOG_KEYS", str(Path(tmp) / "keys"))
        store_no = 0
        db = Path(tmp) / f"import{store_no}.sqlite"
        import_args = ["import", *map(str, folders), "--subject-from-folder", "--workers", "2"]
        # Time one full import first, so the kills spread over a whole batch.
        full = Path(tmp) / "complete.sqlite"
        timed = time.monotonic()
        subprocess.run([*REKOG, "--db", str(full), *import_args], capture_output=True, check=True)
        batch_s = time.monotonic() - timed
        for _ in range(import_kills):
            start = _snapshot(db)
            if len(start.photos) >= total:  # complete: start a new store
                store_no += 1
                db = Path(tmp) / f"import{store_no}.sqlite"
                start = _snapshot(db)
            delay = rng.uniform(0.2, batch_s)
            cmd = [*REKOG, "--db", str(db), *import_args]
            workers, killed, committed = _kill_at_random(cmd, delay, db)
            counts.import_kills += 1
            after = _snapshot(db)
            if killed and len(start.photos) < len(after.photos) < total:
                counts.kills_mid_import += 1
            counts.processes_left += _left_after(workers, 5.0)
            if db.exists():
                _check(db, committed, counts)

        # Searches with a case over the complete store.
        subprocess.run(
            [
                *REKOG,
                *("--db", str(full), "case", "new", "--number", CASE, "--title", "soak"),
                *("--purpose", "fault soak", "--legal-basis", "test"),
            ],
            capture_output=True,
            check=True,
        )
        probes = [str(p) for f in folders[:4] for p in sorted(f.glob("*.jpg"))[:1]]
        search_cmd = [*REKOG, "--db", str(full), "search", *probes, "--case", CASE]
        timed = time.monotonic()
        subprocess.run(search_cmd, capture_output=True, check=True)
        search_s = time.monotonic() - timed
        for _ in range(search_kills):
            start = _snapshot(full)
            workers, killed, committed = _kill_at_random(
                search_cmd, rng.uniform(0.2, search_s), full
            )
            counts.search_kills += 1
            new = len(_snapshot(full).searches - start.searches)
            if killed and 0 < new < len(probes):
                counts.kills_mid_search += 1
            counts.processes_left += _left_after(workers, 5.0)
            _check(full, committed, counts)
        _check(full, _snapshot(full), counts)
    counts.seconds = round(time.monotonic() - started, 1)
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, default=Path(os.environ.get("REKOG_TEST_DATA", DEFAULT_DATA))
    )
    parser.add_argument("--photos", type=int, default=40, help="Photos in the import batch.")
    parser.add_argument("--import-kills", type=int, default=20)
    parser.add_argument("--search-kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--json", action="store_true", help="Print one JSON line.")
    args = parser.parse_args()
    if not (args.data / "lfw_dev").is_dir():
        print(f"lfw_dev not found in {args.data} (set REKOG_TEST_DATA)", file=sys.stderr)
        return 2
    counts = soak(
        args.data,
        photos=args.photos,
        import_kills=args.import_kills,
        search_kills=args.search_kills,
        seed=args.seed,
    )
    result = {**asdict(counts), "photos": args.photos, "seed": args.seed}
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key.replace('_', ' ')}: {value}")
    return 0 if counts.bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
