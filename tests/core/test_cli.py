"""`rekog` through its installed entry point: JSON shapes, exit codes, plain errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REKOG = Path(sys.executable).with_name("rekog")


def rekog(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    assert REKOG.exists(), f"entry point not installed at {REKOG}"
    return subprocess.run(
        [str(REKOG), "--db", str(db), *args], capture_output=True, text=True, timeout=600
    )


@pytest.fixture
def gallery_copy(gallery_path: Path, tmp_path: Path) -> Path:
    """A copy of the session gallery with an open case numbered T-1."""
    target = tmp_path / "gallery.sqlite"
    shutil.copy(gallery_path, target)
    opened = rekog(
        "case", "new", "--number", "T-1", "--title", "Test", "--purpose", "testing",
        "--legal-basis", "test suite", db=target,
    )  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    return target


def test_import_json_summary(tmp_path: Path, faces_dir: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_text("not a photo")
    db = tmp_path / "g.sqlite"
    result = rekog(
        "import", str(faces_dir / "rose_leslie"), str(faces_dir / "_noface" / "dogs.jpg"),
        str(bad), "--subject-from-folder", "--source", "test", "--json", db=db,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)
    assert summary["imported"] == 3 and summary["faces"] == 2 and summary["duplicates"] == 0
    assert summary["no_face"] == [str((faces_dir / "_noface" / "dogs.jpg").resolve())]
    assert summary["failed"] == [
        {"path": str(bad.resolve()), "reason": summary["failed"][0]["reason"]}
    ]
    assert "Traceback" not in result.stderr

    again = rekog(
        "import", str(faces_dir / "rose_leslie"), "--subject-from-folder", "--json", db=db
    )
    assert again.returncode == 0
    assert json.loads(again.stdout)["duplicates"] == 2


def test_search_held_out_photo_json_lines(
    gallery_copy: Path, held_out: dict[str, Path], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    probes = [held_out["kit_harington"], broken, held_out["joe_biden"]]
    result = rekog(
        "search", *map(str, probes), "--top", "3", "--case", "T-1", "--json", db=gallery_copy
    )
    assert result.returncode == 1, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 3
    assert lines[1]["probe"]["path"] == str(broken) and lines[1]["error"]
    for line, subject in ((lines[0], "kit_harington"), (lines[2], "joe_biden")):
        assert len(line["probe"]["sha256"]) == 64
        face = line["faces"][0]
        assert len(face["box"]) == 4 and "warnings" in face["quality"]
        assert [c["rank"] for c in face["candidates"]] == [1, 2, 3]
        assert face["candidates"][0]["subject"] == subject
        assert face["within_tolerance"] >= 1
        assert isinstance(face["search_id"], int)
    assert lines[0]["faces"][0]["search_id"] != lines[2]["faces"][0]["search_id"]


def test_search_human_output_says_lead_not_identification(
    gallery_copy: Path, held_out: dict[str, Path]
) -> None:
    result = rekog("search", str(held_out["barack_obama"]), "--case", "T-1", db=gallery_copy)
    assert result.returncode == 0
    assert "barack_obama" in result.stdout
    assert "not an identification" in result.stdout


def test_subjects_json(gallery_copy: Path) -> None:
    result = rekog("subjects", "--json", db=gallery_copy)
    subjects = {s["name"]: s for s in json.loads(result.stdout)}
    assert subjects["john_simm"]["photos"] == 3  # one of 4 held out
    assert subjects["john_simm"]["faces"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "/no/such/folder", "--subject", "x"], "not found"),
        (["import", "."], "--subject"),
        (["search", "x.jpg", "--top", "0"], "--top"),
        (["search", "x.jpg"], "needs an open case"),
        (["search", "x.jpg", "--case", "NOPE"], "no gallery store"),
        (["audit", "verify"], "no gallery store"),
    ],
)
def test_bad_usage_exits_2_with_one_clear_line(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = rekog(*args, db=tmp_path / "g.sqlite")
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_unusable_store_exits_2(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_text("hello " * 1000)
    result = rekog("subjects", db=bogus)
    assert result.returncode == 2
    assert "not a usable gallery store" in result.stderr
    assert "Traceback" not in result.stderr


def test_env_var_chooses_the_store(tmp_path: Path, faces_dir: Path) -> None:
    env_db = tmp_path / "from-env.sqlite"
    import os

    env = {**os.environ, "REKOG_DB": str(env_db)}
    subprocess.run(
        [str(REKOG), "import", str(faces_dir / "joe_biden"), "--subject-from-folder"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    assert env_db.exists()
