"""`rekog cluster` through its installed entry point, on real photos, a real clip and a real
SQLite store: JSON shape, cannot-link rules, edits kept through re-clustering, undo, audit."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from rekog_desktop.core.cases.searches import searches_for_case
from rekog_desktop.core.gallery.store import GalleryStore

REKOG = Path(sys.executable).with_name("rekog")
CASE = "2026-0017"


def rekog(*args: str, db: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    assert REKOG.exists(), f"entry point not installed at {REKOG}"
    return subprocess.run(
        [str(REKOG), "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=600,
        input=stdin,
    )


def last_json(result: subprocess.CompletedProcess[str]) -> dict[str, object]:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, faces_dir: Path) -> tuple[Path, dict]:
    """A store with one gallery subject and an open case whose material (four people's photos
    and two group photos) has been clustered once; tests work on copies of it."""
    path = tmp_path_factory.mktemp("cluster") / "gallery.sqlite"
    imported = rekog("import", str(faces_dir / "lin_manuel_miranda"), "--subject-from-folder",
                     db=path)  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    opened = rekog(
        "case", "new", "--number", CASE, "--title", "Seized phone", "--purpose", "testing",
        "--legal-basis", "test fixture", db=path,
    )  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    material = [faces_dir / n for n in ("kit_harington", "barack_obama", "joe_biden")] + [
        faces_dir / "_group" / "obama_and_biden.jpg",
        faces_dir / "_group" / "kit_with_rose.jpg",
    ]
    payload = last_json(rekog("cluster", *map(str, material), "--case", CASE, "--json", db=path))
    return path, payload


@pytest.fixture
def db(base: tuple[Path, dict], tmp_path: Path) -> Path:
    copy = tmp_path / "gallery.sqlite"
    shutil.copy(base[0], copy)
    return copy


def cluster_of(payload: dict, path_part: str) -> list[int]:
    return [c["id"] for c in payload["clusters"] if any(path_part in f["path"] for f in c["faces"])]


def test_json_is_the_issue_shape_and_people_are_grouped(base: tuple[Path, dict]) -> None:
    payload = base[1]
    assert set(payload) == {"clusters", "unclustered"}
    for number, cluster in enumerate(payload["clusters"], start=1):
        assert set(cluster) == {"id", "purity", "faces"} and cluster["id"] == number
        assert 0.0 <= cluster["purity"] <= 1.0 and len(cluster["faces"]) >= 2
        for face in cluster["faces"] + payload["unclustered"]:
            assert set(face) == {"path", "box", "frame"}
            assert len(face["box"]) == 4 and face["frame"] is None
    # Each identity folder is one cluster of its own.
    for name in ("kit_harington", "barack_obama", "joe_biden"):
        assert len(cluster_of(payload, f"/{name}/")) == 1, name
    assert len(set(cluster_of(payload, "/barack_obama/") + cluster_of(payload, "/joe_biden/"))) == 2


def test_two_faces_of_one_photo_are_never_one_cluster(base: tuple[Path, dict]) -> None:
    for cluster in base[1]["clusters"]:
        paths = [f["path"] for f in cluster["faces"]]
        assert len(paths) == len(set(paths)), cluster


def test_nothing_is_enrolled_in_the_gallery(db: Path) -> None:
    with GalleryStore(db) as store:
        photos = [str(r[0]) for r in store.db.execute("SELECT path FROM photos")]
        faces = store.counts()["faces"]
    assert photos and all("lin_manuel_miranda" in p for p in photos)
    with sqlite3.connect(db) as conn:
        material = conn.execute("SELECT count(*) FROM cluster_faces").fetchone()[0]
    assert material > faces


def test_an_unknown_case_number_is_refused_with_exit_2(db: Path, faces_dir: Path) -> None:
    result = rekog("cluster", str(faces_dir / "kit_harington"), "--case", "NO-SUCH", db=db)
    assert result.returncode == 2
    assert "NO-SUCH" in result.stderr and "Traceback" not in result.stderr
    assert rekog("cluster", "show", "--case", "NO-SUCH", db=db).returncode == 2


def test_a_merge_of_two_faces_of_one_photo_is_refused_and_nothing_recorded(db: Path) -> None:
    before = last_json(rekog("cluster", "show", "--case", CASE, "--json", db=db))
    obama, biden = cluster_of(before, "/barack_obama/")[0], cluster_of(before, "/joe_biden/")[0]
    result = rekog("cluster", "merge", str(obama), str(biden), "--case", CASE, db=db)
    assert result.returncode == 2 and "cannot be one person" in result.stderr
    assert last_json(rekog("cluster", "show", "--case", CASE, "--json", db=db)) == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM cluster_edits").fetchone()[0] == 0


def test_not_same_survives_reclustering_with_new_material_and_undo_lifts_it(
    db: Path, faces_dir: Path
) -> None:
    before = last_json(rekog("cluster", "show", "--case", CASE, "--json", db=db))
    kit = cluster_of(before, "/kit_harington/")[0]
    kit_faces = before["clusters"][kit - 1]["faces"]
    moved = kit_faces[0]
    edited = last_json(
        rekog("cluster", "not-same", f"{kit}.1", str(kit), "--case", CASE, "--reason",
              "different ears", "--json", db=db)
    )  # fmt: skip

    def apart(payload: dict) -> bool:
        for cluster in payload["clusters"]:
            if moved in cluster["faces"]:
                return not any(f in cluster["faces"] for f in kit_faces[1:])
        return True

    assert apart(edited)
    again = last_json(
        rekog("cluster", str(faces_dir / "rose_leslie"), "--case", CASE, "--json", db=db)
    )
    assert apart(again) and cluster_of(again, "/rose_leslie/")
    undone = rekog("cluster", "undo", "--case", CASE, "--json", db=db)
    after = last_json(undone)
    kit_after = [c for c in after["clusters"] if moved in c["faces"]]
    assert kit_after and all(f in kit_after[0]["faces"] for f in kit_faces)
    assert rekog("cluster", "undo", "--case", CASE, db=db).returncode == 2  # nothing left


def test_merge_split_and_undo_are_audited_and_the_trail_verifies(db: Path) -> None:
    before = last_json(rekog("cluster", "show", "--case", CASE, "--json", db=db))
    obama = cluster_of(before, "/barack_obama/")[0]
    kit = cluster_of(before, "/kit_harington/")[0]
    # An unclustered face from a photo none of kit's faces is in (two faces of one photo can
    # never be merged).
    kit_paths = {f["path"] for f in before["clusters"][kit - 1]["faces"]}
    loose = next(i for i, f in enumerate(before["unclustered"], 1) if f["path"] not in kit_paths)
    merged = last_json(
        rekog("cluster", "merge", str(kit), f"u.{loose}", "--case", CASE, "--json", db=db)
    )
    assert len(merged["unclustered"]) == len(before["unclustered"]) - 1
    split = last_json(
        rekog("cluster", "split", str(obama), f"{obama}.1", "--case", CASE, "--json", db=db)
    )
    moved = before["clusters"][obama - 1]["faces"][0]
    rest = before["clusters"][obama - 1]["faces"][1:]
    assert not any(moved in c["faces"] and rest[0] in c["faces"] for c in split["clusters"])
    last_json(rekog("cluster", "undo", "--case", CASE, "--json", db=db))
    last_json(rekog("cluster", "undo", "--case", CASE, "--json", db=db))
    assert last_json(rekog("cluster", "show", "--case", CASE, "--json", db=db)) == before
    with sqlite3.connect(db) as conn:
        kinds = [r[0] for r in conn.execute("SELECT event_type FROM audit ORDER BY id")]
        edits = conn.execute("SELECT kind, undone_utc IS NOT NULL FROM cluster_edits").fetchall()
    assert kinds.count("cluster_edit") == 2 and kinds.count("cluster_edit_undone") == 2
    assert kinds.count("cluster_run") == 1
    assert edits == [("merge", 1), ("split", 1)]
    assert rekog("audit", "verify", db=db).returncode == 0


def test_a_cluster_is_searched_as_one_template_and_recorded(db: Path) -> None:
    before = last_json(rekog("cluster", "show", "--case", CASE, "--json", db=db))
    kit = cluster_of(before, "/kit_harington/")[0]
    result = last_json(
        rekog("cluster", "search", str(kit), "--case", CASE, "--top", "3", "--preset",
              "strict", "--json", db=db)
    )  # fmt: skip
    assert result["cluster"]["id"] == kit and result["preset"] == "strict"
    assert "never_enrolled_match_chance" in result and 1 <= len(result["candidates"]) <= 3
    with GalleryStore(db) as store:
        recorded = {s.id: s for s in searches_for_case(store, CASE)}
    search = recorded[result["search_id"]]
    assert search.kind == "cluster" and search.preset == "strict"
    assert search.context["template_of"] == len(before["clusters"][kit - 1]["faces"])


def test_an_auditor_may_not_cluster(db: Path, faces_dir: Path) -> None:
    added = rekog(
        "user", "add", "ann", "--role", "auditor", "--password", "--password-stdin",
        db=db, stdin="pw-ann-1\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    result = rekog(
        "cluster", str(faces_dir / "rose_leslie"), "--case", CASE, "--reviewer", "ann",
        "--password-stdin", db=db, stdin="pw-ann-1\n",
    )  # fmt: skip
    assert result.returncode == 2 and "may not" in result.stderr


def test_clip_tracks_are_faces_with_frames_and_never_one_person_in_one_frame(
    db: Path, data_dir: Path
) -> None:
    clip = data_dir / "video" / "multi_face_clip.mp4"
    if not clip.exists():
        pytest.skip(f"shared clip not found at {clip}")
    payload = last_json(rekog("cluster", str(clip), "--case", CASE, "--json", db=db))
    tracks = [
        f
        for f in [f for c in payload["clusters"] for f in c["faces"]] + payload["unclustered"]
        if f["path"] == str(clip.resolve())
    ]
    assert len(tracks) >= 2 and all(isinstance(f["frame"], int) for f in tracks)
    with sqlite3.connect(db) as conn:
        frames = {
            (json.loads(box)[0], frame): set(json.loads(seen))
            for box, frame, seen in conn.execute(
                "SELECT box, frame, frames FROM cluster_faces WHERE kind = 'track'"
            )
        }
    for cluster in payload["clusters"]:
        seen = [frames[(f["box"][0], f["frame"])] for f in cluster["faces"] if f["frame"]]
        for k, a in enumerate(seen):
            assert all(not (a & b) for b in seen[k + 1 :])
    suggestions = last_json(rekog("cluster", "suggestions", "--case", CASE, "--json", db=db))
    assert isinstance(suggestions["suggestions"], list)
    assert last_json(rekog("cluster", "show", "--case", CASE, "--json", db=db)) == payload
