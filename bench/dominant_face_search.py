"""What the dominant-face rule changes for search, end to end (issue 12 item 1): a gallery of
one photo per lfw_dev person, built by the real importer, where a person's gallery photo is one
showing several faces whenever they have one; then real searches of their other photos.

"After" is the gallery as imported (dominant-v1 enrols the clear cases); "before" is the same
store with every dominant choice unassigned again, which is exactly what the importer stored
before (all faces kept, none enrolled). Measured: rank-1 and strict-preset hits of the probes
of people whose gallery photo shows several faces, and of every probe; the strict match rate
of never-enrolled people (one-photo people, one face). The strict threshold comes from the
shipped calibration, which was built on lfw_dev: read the before/after difference, not the
absolute rates (accuracy_transfer.py measures those on people nobody tuned on).

    REKOG_TEST_DATA=../shared/data uv run python bench/dominant_face_search.py [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import data_root, drain, stopwatch
from dominant_face import analyse_all

from rekog_desktop.core.gallery.importer import ImportItem, import_photos
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.scoring.search import engine_for_store, search_image


def choose(root: Path, strangers: int) -> tuple[dict[str, Path], dict[str, Path], list[Path]]:
    """(gallery photo per person, one probe per person, stranger photos)."""
    data = data_root()
    paths = sorted(root.glob("*/*.jpg"))
    paths += sorted((data / "faces" / "_group").glob("*.jpg"))
    paths += sorted(p for p in (data / "faces").glob("[!_]*/*") if p.suffix in (".jpg", ".png"))
    analysed = analyse_all(paths, 2)
    people: dict[str, list[Path]] = {}
    for path in paths:
        if path.parent.parent == root and str(path) in analysed:
            people.setdefault(path.parent.name, []).append(path)
    gallery, probes, lonely = {}, {}, []
    for name, photos in sorted(people.items()):
        faces = {p: len(analysed[str(p)].boxes) for p in photos}
        if len(photos) == 1:
            if faces[photos[0]] == 1:
                lonely.append(photos[0])
            continue
        several = [p for p in photos if faces[p] > 1]
        pick = several[0] if several else photos[0]
        probe = [p for p in photos if p != pick and faces[p] == 1]
        if probe:
            gallery[name], probes[name] = pick, probe[0]
    return gallery, probes, lonely[:strangers]


def measure(store: GalleryStore, probes: dict[str, Path], strangers: list[Path]) -> dict:
    engine = engine_for_store(store)
    rank1: dict[str, bool] = {}
    strict: dict[str, bool] = {}
    for name, path in probes.items():
        found = search_image(store, engine, path, top_k=5, preset="strict").faces
        top = found[0].candidates[0] if found and found[0].candidates else None
        rank1[name] = top is not None and top.subject == name
        strict[name] = top is not None and top.subject == name and top.within_tolerance
    false_matches = 0
    for path in strangers:
        found = search_image(store, engine, path, top_k=1, preset="strict").faces
        false_matches += bool(found and found[0].within_tolerance)
    return {"rank1": rank1, "strict": strict, "stranger_matches": false_matches}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strangers", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    root = data_root() / "lfw_dev"
    gallery, probes, strangers = choose(root, args.strangers)
    with tempfile.TemporaryDirectory() as folder:
        store = GalleryStore(Path(folder) / "g.sqlite")
        items = [ImportItem(path=p.resolve(), subject=n) for n, p in gallery.items()]
        with stopwatch() as took:
            summary = drain(import_photos(store, items, workers=2))
        scenario = {
            n for n, p in gallery.items() if str(p.resolve()) in {str(x) for x in _several(store)}
        }
        print(
            f"gallery: {len(gallery)} people, one photo each ({took[0]:.0f} s import); "
            f"{len(scenario)} gallery photos show several faces: {len(summary.dominant)} "
            f"dominant choices, {len(summary.several_faces)} ambiguous"
        )
        after = measure(store, probes, strangers)
        for photo in store.photos():
            if photo.face_choice and photo.face_choice.get("chosen"):
                for face in store.faces_of_photo(photo.id):
                    if face.subject_id is not None:
                        store.assign_face(face.id, None, actor="bench")
        before = measure(store, probes, strangers)
        store.close()
    rows = {}
    for label, result in (("before", before), ("after", after)):
        r1, st = result["rank1"], result["strict"]
        rows[label] = {
            "scenario_probes": len(scenario),
            "scenario_rank1": sum(r1[n] for n in scenario),
            "scenario_strict_hits": sum(st[n] for n in scenario),
            "probes": len(r1),
            "rank1": sum(r1.values()),
            "strict_hits": sum(st.values()),
            "strangers": len(strangers),
            "stranger_strict_matches": result["stranger_matches"],
        }
        row = rows[label]
        print(
            f"{label:>6}: several-face people rank-1 {row['scenario_rank1']}/{len(scenario)}, "
            f"strict hits {row['scenario_strict_hits']}/{len(scenario)}; all probes rank-1 "
            f"{row['rank1']}/{row['probes']} ({row['rank1'] / row['probes']:.3f}), strict hits "
            f"{row['strict_hits']}/{row['probes']} ({row['strict_hits'] / row['probes']:.3f}); "
            f"never-enrolled strict matches {row['stranger_strict_matches']}/{len(strangers)}"
        )
    if args.json:
        print(json.dumps(rows))


def _several(store: GalleryStore) -> list[str]:
    return [p.path for p in store.photos() if p.face_count > 1]


if __name__ == "__main__":
    main()
