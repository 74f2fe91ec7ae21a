"""Photos filed under a name that show several faces: the dominant face is enrolled only when
the rule is sure (core/faces/dominant.py), never guessed; the choice is kept and reported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from rekog_desktop.core.audit.trail import list_events
from rekog_desktop.core.common.types import FaceBox
from rekog_desktop.core.faces.dominant import DOMINANT_V1, choose_dominant
from rekog_desktop.core.gallery.importer import ImportItem, analyse_item
from rekog_desktop.core.gallery.store import GalleryStore
from tests.conftest import run_import

REKOG = Path(sys.executable).with_name("rekog")
NAME = "Vaclav Klaus"


def _box(cx: int, cy: int, side: int) -> FaceBox:
    half = side // 2
    return FaceBox(top=cy - half, right=cx + half, bottom=cy + half, left=cx - half)


@pytest.mark.parametrize(
    ("boxes", "chosen", "words"),
    [
        # 3x the area of the next, at the centre: chosen, whichever order the boxes come in.
        ([_box(40, 40, 30), _box(200, 200, 52)], 1, "3.0x the next, centred"),
        # Two faces of the same size: ambiguous.
        ([_box(120, 200, 60), _box(280, 200, 60)], None, "only 1.0x"),
        # Just under the margin: ambiguous.
        ([_box(200, 200, 60), _box(40, 40, 39)], None, "needs 2.5x"),
        # Large enough but at the edge of the picture: ambiguous.
        ([_box(380, 200, 40), _box(200, 200, 20)], None, "off-centre"),
    ],
)
def test_the_rule_answers_only_when_the_choice_is_clear(
    boxes: list[FaceBox], chosen: int | None, words: str
) -> None:
    choice = choose_dominant(boxes, 400, 400)
    assert choice.index == chosen
    assert words in choice.reason
    assert choice.as_dict()["rule"] == DOMINANT_V1.name == "dominant-v1"


def test_the_rule_needs_two_faces() -> None:
    with pytest.raises(ValueError, match="two or more"):
        choose_dominant([_box(200, 200, 60)], 400, 400)


@pytest.fixture(scope="module")
def klaus(data_dir: Path) -> tuple[Path, Path]:
    """A real photo of Vaclav Klaus with a small second face behind him, and his other photo."""
    folder = data_dir / "lfw_dev" / "Vaclav_Klaus"
    return folder / "Vaclav_Klaus_0002.jpg", folder / "Vaclav_Klaus_0001.jpg"


def _distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(np.asarray(a, np.float64) - np.asarray(b, np.float64)))


def test_a_small_background_face_leaves_the_big_one_enrolled(
    fresh_store: GalleryStore, klaus: tuple[Path, Path]
) -> None:
    group, other = klaus
    summary = run_import(fresh_store, [group], subject=NAME)
    assert summary.several_faces == []
    (entry,) = summary.dominant
    assert entry["path"] == str(group.resolve()) and entry["faces"] == 2 and entry["chosen"] == 1
    assert entry["rule"] == "dominant-v1"
    assert str(entry["text"]).startswith("2 faces, the largest enrolled (rule dominant-v1: ")
    assert summary.as_dict()["dominant"] == [entry]

    (photo,) = fresh_store.photos()
    assert photo.subject == NAME
    assert photo.face_choice is not None
    assert (photo.face_choice["rule"], photo.face_choice["chosen"]) == ("dominant-v1", 1)
    assert photo.face_choice["area_ratio"] >= DOMINANT_V1.min_area_ratio
    faces = fresh_store.faces_of_photo(photo.id)
    assert [f.subject for f in faces] == [NAME, None]
    assert fresh_store.unassigned_face_count() == 1

    # The enrolled face is the person: near his other photo, and the face left over is not.
    reference = analyse_item(ImportItem(other, None)).faces[0].embedding
    rows = dict(fresh_store.db.execute("SELECT id, embedding FROM faces").fetchall())
    vectors = {f.id: np.frombuffer(rows[f.id], np.float32) for f in faces}
    enrolled, leftover = (_distance(vectors[f.id], reference) for f in faces)
    assert enrolled < 0.6 < leftover

    # The batch that stored the photo names the choice in its audit event.
    events = list_events(fresh_store, event_type="import")
    assert all(e.data["several_faces"] == 0 for e in events)
    named = [d for e in events for d in e.data.get("dominant", [])]  # only batches with one
    assert [(d["path"], d["chosen"], d["rule"]) for d in named] == [
        (str(group.resolve()), 1, "dominant-v1")
    ]


def _side_by_side(left: Path, right: Path, target: Path) -> Path:
    """Two real face photos pasted at the same size: two faces nobody could choose between."""
    side = 250
    canvas = Image.new("RGB", (side * 2, side), (128, 128, 128))
    for number, source in enumerate((left, right)):
        with Image.open(source) as image:
            canvas.paste(image.convert("RGB").resize((side, side)), (number * side, 0))
    canvas.save(target, quality=95)
    return target


@pytest.mark.parametrize("photo", ["composed", "obama_and_biden"])
def test_an_ambiguous_photo_is_reported_never_guessed(
    fresh_store: GalleryStore, data_dir: Path, klaus: tuple[Path, Path], tmp_path: Path, photo: str
) -> None:
    if photo == "composed":
        mel = data_dir / "lfw_dev" / "Mel_Gibson" / "Mel_Gibson_0001.jpg"
        path = _side_by_side(klaus[1], mel, tmp_path / "two.jpg")
    else:
        path = data_dir / "faces" / "_group" / "obama_and_biden.jpg"
    summary = run_import(fresh_store, [path], subject="barack_obama")
    assert summary.dominant == []
    ((reported, count),) = summary.several_faces
    assert reported == str(path.resolve()) and count >= 2
    assert fresh_store.embedding_matrix().vectors.shape[0] == 0  # nobody enrolled
    (stored,) = fresh_store.photos()
    assert stored.face_choice is not None and stored.face_choice["chosen"] is None
    assert "needs 2.5x" in stored.face_choice["reason"]


def test_a_single_face_photo_needs_no_choice(
    fresh_store: GalleryStore, klaus: tuple[Path, Path]
) -> None:
    summary = run_import(fresh_store, [klaus[1]], subject=NAME)
    assert summary.dominant == [] and summary.several_faces == []
    (photo,) = fresh_store.photos()
    assert photo.face_choice is None
    assert [f.subject for f in fresh_store.faces_of_photo(photo.id)] == [NAME]


def test_the_cli_prints_the_choice(tmp_path: Path, klaus: tuple[Path, Path]) -> None:
    assert REKOG.exists(), f"entry point not installed at {REKOG}"
    group = klaus[0]

    def rekog(db: str, *extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(REKOG), "--db", str(tmp_path / db), "import", str(group), "--subject", NAME,
             *extra],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip

    text = rekog("a.sqlite")
    assert text.returncode == 0, text.stderr
    assert "2 faces, the largest enrolled (rule dominant-v1: " in text.stdout
    assert "none enrolled" not in text.stdout
    as_json = rekog("b.sqlite", "--json")
    assert as_json.returncode == 0, as_json.stderr
    (entry,) = json.loads(as_json.stdout)["dominant"]
    assert (entry["faces"], entry["chosen"], entry["rule"]) == (2, 1, "dominant-v1")
    assert json.loads(as_json.stdout)["several_faces"] == []
