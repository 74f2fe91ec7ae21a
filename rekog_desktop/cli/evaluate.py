"""`rekog eval pairs|identify`: measure the engine on labelled photos, so anyone can check it.

Embeddings are cached outside the repo and outside any gallery store (the user cache folder, or
--cache DIR), keyed by file SHA-256 and engine settings, so a second run takes seconds.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, TypeVar

import click
import numpy as np
from platformdirs import user_cache_path

from rekog_desktop.cli import EXIT_OK, cli
from rekog_desktop.cli.progress import progress_bar
from rekog_desktop.core.common.clock import utc_now
from rekog_desktop.core.common.paths import APP_NAME
from rekog_desktop.core.common.types import Embedding
from rekog_desktop.core.faces.engine import EngineSettings
from rekog_desktop.core.faces.images import IMAGE_SUFFIXES
from rekog_desktop.core.scoring import calibration as cal
from rekog_desktop.core.scoring import calibration_table as tables
from rekog_desktop.evaluation import measures as ev
from rekog_desktop.evaluation.encode import (
    FALLBACKS,
    EncodedImage,
    EncodeSpec,
    Fallback,
    encode_images,
)


def default_cache_dir() -> Path:
    return user_cache_path(APP_NAME, appauthor=False) / "eval"


#: A click command function (the options below add parameters, not change its type).
_Command = TypeVar("_Command", bound=Callable[..., Any])


def _common(func: _Command) -> _Command:
    """Options every eval command shares: engine, fallbacks, cache, workers, output."""
    options = [
        click.option(
            "--align",
            type=click.Choice(["5", "68"]),
            default=str(EngineSettings.align_landmarks),
            show_default=True,
            help="Landmarks the face chip is aligned on (engine setting; the app's default).",
        ),
        click.option(
            "--mirror/--no-mirror",
            default=EngineSettings.mirror,
            show_default=True,
            help="Average each embedding with its mirror image's (engine setting, 2x encode).",
        ),
        click.option(
            "--fallback",
            "fallbacks",
            multiple=True,
            type=click.Choice(FALLBACKS),
            default=("upsample", "cnn"),
            show_default=True,
            help="Tried in order when the detector finds no face (repeat the option). "
            "centred_box suits LFW-style centred crops only.",
        ),
        click.option(
            "--cache",
            "cache_dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="Embedding cache folder (default: the user cache folder).",
        ),
        click.option("--no-cache", is_flag=True, help="Encode every image again."),
        click.option("--workers", type=click.IntRange(min=1), default=None),
        click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _spec(align: str, mirror: bool, fallbacks: tuple[Fallback, ...], centred: bool) -> EncodeSpec:
    settings = EngineSettings(align_landmarks=68 if align == "68" else 5, mirror=mirror)
    return EncodeSpec(settings=settings, fallbacks=tuple(fallbacks), centred_crops=centred)


_CENTRED = click.option(
    "--centred-crops/--any-position",
    "centred",
    default=True,
    show_default=True,
    help="LFW-style crops: the labelled face contains the image centre; an off-centre face "
    "is used only when the fallbacks find nothing better.",
)


@cli.group("eval")
def eval_group() -> None:
    """Measure accuracy and false-match rates on labelled photos (never on casework)."""


def _encode(
    paths: list[Path],
    spec: EncodeSpec,
    cache_dir: Path | None,
    no_cache: bool,
    workers: int | None,
    quiet: bool,
) -> tuple[dict[Path, EncodedImage], float]:
    """Encode (or fetch from the cache) every path; returns the results and photos/s of the
    images actually encoded in this run (nan when all came from the cache)."""
    folder = None if no_cache else (cache_dir or default_cache_dir())
    results: dict[Path, EncodedImage] = {}
    encoded = 0
    start = time.perf_counter()
    with progress_bar("Encoding", enabled=not quiet) as bar:
        task = bar.add_task("Encoding", total=len(paths), current="")
        for done, result in enumerate(
            encode_images(paths, spec=spec, cache_dir=folder, workers=workers), start=1
        ):
            results[Path(result.path)] = result
            encoded += not result.cached
            bar.update(task, completed=done, current=Path(result.path).name)
    elapsed = time.perf_counter() - start
    rate = encoded / elapsed if encoded and elapsed > 0 else math.nan
    return results, rate


def _how_counts(results: dict[Path, EncodedImage]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for result in results.values():
        key = "unreadable" if result.how.startswith("unreadable") else result.how
        counts[key] = counts.get(key, 0) + 1
    return counts


def _round(value: float, digits: int = 4) -> float | None:
    return None if not math.isfinite(value) else round(value, digits)


@eval_group.command("pairs")
@click.option(
    "--pairs",
    "pairs_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="LFW pairs list (View 1 'N' or View 2 'folds N' header).",
)
@click.option(
    "--root",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Image folder laid out as ROOT/Name/Name_0001.jpg.",
)
@click.option("--tolerance", type=float, default=0.6, show_default=True)
@_CENTRED
@_common
def pairs_cmd(
    pairs_file: Path,
    root: Path,
    tolerance: float,
    centred: bool,
    align: str,
    mirror: bool,
    fallbacks: tuple[Fallback, ...],
    cache_dir: Path | None,
    no_cache: bool,
    workers: int | None,
    as_json: bool,
) -> int:
    """Verification accuracy on an LFW-style pairs list."""
    pairs = ev.read_pairs(pairs_file)
    paths = sorted({p for pair in pairs for p in pair.paths(root)})
    spec = _spec(align, mirror, fallbacks, centred)
    results, rate = _encode(paths, spec, cache_dir, no_cache, workers, as_json)
    embeddings = {path: r.embedding for path, r in results.items()}
    distances, same, folds, missing = ev.pair_distances(pairs, embeddings, root)
    cv = ev.cv_accuracy(distances, same, folds)
    counts = _how_counts(results)
    fallback_images = sum(n for how, n in counts.items() if how in FALLBACKS)
    tar_at_far = {str(f): _round(ev.tar_at_far(distances, same, f)) for f in ev.DEFAULT_FARS}
    report = {
        "pairs": len(pairs),
        "tolerance": tolerance,
        "accuracy_at_tolerance": _round(ev.accuracy_at(distances, same, tolerance)),
        "cv_accuracy": _round(cv.mean),
        "cv_std": _round(cv.std),
        "cv_thresholds": [_round(t) for t in cv.thresholds],
        "tar_at_far": tar_at_far,
        "images": len(paths),
        "fallback_images": fallback_images,
        "images_by_outcome": counts,
        "pairs_missing_a_face": missing,
        "photos_per_s": _round(rate, 2),
        "distances": [[int(s), _round(float(d))] for s, d in zip(same, distances, strict=True)],
    }
    if as_json:
        click.echo(json.dumps(report))
        return EXIT_OK
    click.echo(f"{len(pairs)} pairs ({int(same.sum())} same, {int((~same).sum())} different)")
    click.echo(f"  accuracy at tolerance {tolerance}: {report['accuracy_at_tolerance']}")
    click.echo(f"  cross-validated accuracy: {report['cv_accuracy']} +/- {report['cv_std']}")
    for far, tar in tar_at_far.items():
        click.echo(f"  TAR at FAR {far}: {tar}")
    click.echo(f"  images by outcome: {counts}; pairs missing a face: {missing}")
    click.echo(f"  {rate:.2f} photos/s encoded in this run (nan: all from the cache)")
    return EXIT_OK


def _table_text(data: dict[str, object]) -> str:
    """JSON with one key per line but each number array on a single line (a readable diff)."""
    lines = [f" {json.dumps(k)}: {json.dumps(v)}" for k, v in data.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def _identity_images(folder: Path) -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {}
    for sub in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        files = sorted(
            f
            for f in sub.iterdir()
            if f.is_file() and not f.name.startswith(".") and f.suffix.lower() in IMAGE_SUFFIXES
        )
        if files:
            out[sub.name] = files
    return out


@eval_group.command("identify")
@click.option(
    "--gallery",
    "gallery_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="One folder per enrolled person.",
)
@click.option(
    "--probes",
    "probes_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="One folder per person; people not in the gallery count as never enrolled.",
)
@click.option(
    "--unknown",
    "unknown_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="More never-enrolled people, one folder each.",
)
@click.option("--tolerance", type=float, default=0.6, show_default=True)
@click.option(
    "--calibration",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Calibration table (default: the one shipped with the app).",
)
@_common
def identify_cmd(
    gallery_dir: Path,
    probes_dir: Path,
    unknown_dir: Path | None,
    tolerance: float,
    calibration: Path | None,
    align: str,
    mirror: bool,
    fallbacks: tuple[Fallback, ...],
    cache_dir: Path | None,
    no_cache: bool,
    workers: int | None,
    as_json: bool,
) -> int:
    """Open-set 1:N rates: rank-1/5 hits, and per preset the hit rate within its threshold
    (1 - FNIR) and the share of never-enrolled probes matching anyone (FPIR)."""
    gallery_files = _identity_images(gallery_dir)
    probe_files = _identity_images(probes_dir)
    unknown_files = _identity_images(unknown_dir) if unknown_dir else {}
    every = [
        p
        for group in (gallery_files, probe_files, unknown_files)
        for v in group.values()
        for p in v
    ]
    spec = _spec(align, mirror, fallbacks, centred=False)
    results, rate = _encode(sorted(set(every)), spec, cache_dir, no_cache, workers, as_json)

    def vectors(files: list[Path]) -> list[Embedding]:
        return [e for f in files if (e := results[f].embedding) is not None]

    gallery = ev.Gallery.from_mapping({n: vectors(f) for n, f in gallery_files.items()})
    mated, mated_names, nonmated = [], [], []
    for name, files in probe_files.items():
        for vector in vectors(files):
            if name in gallery_files:
                mated.append(vector)
                mated_names.append(name)
            else:
                nonmated.append(vector)
    for files in unknown_files.values():
        nonmated.extend(vectors(files))
    mated_v = np.asarray(mated, dtype=np.float32).reshape(-1, 128)
    nonmated_v = np.asarray(nonmated, dtype=np.float32).reshape(-1, 128)
    scores = ev.open_set_scores(gallery, mated_v, mated_names, nonmated_v)
    # The calibrated score: unit-length probe against each subject's template.
    ids = {name: i for i, name in enumerate(gallery.subject_names)}
    subject_ids = [ids[name] for name in gallery.subjects]
    calibrator = cal.Calibrator(
        table=tables.load_table(calibration),
        subjects=cal.templates_of(gallery.vectors, subject_ids),
    )
    template_gallery = ev.Gallery(
        vectors=calibrator.subjects.vectors.astype(np.float32), subjects=gallery.subject_names
    )
    t_scores = ev.open_set_scores(
        template_gallery,
        cal.unit_rows(mated_v).astype(np.float32),
        mated_names,
        cal.unit_rows(nonmated_v).astype(np.float32),
    )
    strict = calibrator.strict_threshold()
    points = {
        f"investigative: face distance <= {tolerance}": (scores, tolerance, None),
        "strict: template distance <= calibrated threshold": (
            t_scores,
            strict,
            calibrator.fpir(strict),
        ),
        "template distance at measured FPIR 0.01 (hindsight)": (
            t_scores,
            t_scores.threshold_at_fpir(0.01),
            None,
        ),
        "face distance at measured FPIR 0.01 (hindsight)": (
            scores,
            scores.threshold_at_fpir(0.01),
            None,
        ),
    }
    operating_points = {
        name: {
            "threshold": _round(t),
            "hit_rate": _round(1.0 - sc.fnir(t)),
            "fnir": _round(sc.fnir(t)),
            "fpir": _round(sc.fpir(t)),
            "estimated_fpir": None if est is None else _round(est),
        }
        for name, (sc, t, est) in points.items()
    }
    report = {
        "subjects": len(gallery.subject_names),
        "gallery_faces": len(gallery.subjects),
        "mated_probes": len(mated_names),
        "nonmated_probes": len(nonmated),
        "rank1": _round(scores.rank_hit_rate(1)),
        "rank5": _round(scores.rank_hit_rate(5)),
        "operating_points": operating_points,
        "images_by_outcome": _how_counts(results),
        "photos_per_s": _round(rate, 2),
    }
    if as_json:
        click.echo(json.dumps(report))
        return EXIT_OK
    click.echo(
        f"{report['subjects']} enrolled subjects ({report['gallery_faces']} faces), "
        f"{report['mated_probes']} enrolled probes, {report['nonmated_probes']} never enrolled"
    )
    click.echo(f"  rank-1 hit rate {report['rank1']}, rank-5 {report['rank5']}")
    for name, row in operating_points.items():
        click.echo(
            f"  {name}: threshold {row['threshold']}, hit rate within it {row['hit_rate']}, "
            f"never-enrolled matching anyone (FPIR) {row['fpir']}"
            + (f" (estimated {row['estimated_fpir']})" if row["estimated_fpir"] is not None else "")
        )
    return EXIT_OK


@eval_group.command("calibrate")
@click.option(
    "--root",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Labelled photos, one folder per person (e.g. lfw_dev).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the table (the app ships resources/calibration.json).",
)
@_CENTRED
@_common
def calibrate_cmd(
    root: Path,
    out: Path,
    centred: bool,
    align: str,
    mirror: bool,
    fallbacks: tuple[Fallback, ...],
    cache_dir: Path | None,
    no_cache: bool,
    workers: int | None,
    as_json: bool,
) -> int:
    """Build the false-match calibration table from every pair of labelled photos."""
    people = _identity_images(root)
    paths = [p for files in people.values() for p in files]
    spec = _spec(align, mirror, fallbacks, centred)
    results, _ = _encode(paths, spec, cache_dir, no_cache, workers, as_json)
    labelled = [(p.parent.name, v) for p in paths if (v := results[p].embedding) is not None]
    vectors = np.asarray([v for _, v in labelled], dtype=np.float64)
    names = [name for name, _ in labelled]
    impostor, genuine = cal.template_score_distances(vectors, names)
    flags = [f"--align {align}", "--mirror" if mirror else "--no-mirror"]
    flags += ["--centred-crops" if centred else "--any-position"]
    flags += [f"--fallback {f}" for f in fallbacks]
    command = " ".join(["rekog eval calibrate", f"--root {root}", f"--out {out}", *flags])
    meta = {
        "what": "Probe photo against subject template (mean of unit-length embeddings): "
        "cumulative share of different-person (impostor) and same-person (genuine, leave one "
        "out) comparisons at or below each distance; impostor shares are (k+1)/(n+1).",
        "command": command,
        "built_utc": utc_now(),
        "engine": asdict(spec.settings),
        "people": len(set(names)),
        "images": len(names),
        "images_by_outcome": _how_counts(results),
        "limits": "Adult public figures in news photos (LFW); estimates are less reliable for "
        "small, blurred or turned faces, for children and for populations unlike LFW's.",
    }
    table = tables.build_table(impostor, genuine, meta=meta)
    # How a gallery's size turns one-comparison rates into FPIR, fitted on the protocol of
    # bench/accuracy.py: people with 3+ photos enrolled with 2, people with 1 photo never.
    by_person: dict[str, list[Embedding]] = {}
    for name, v in labelled:
        by_person.setdefault(name, []).append(v)
    enrolled = {n: vs[:2] for n, vs in by_person.items() if len(vs) >= 3}
    gallery_names, tmpl = cal.templates(
        [v for vs in enrolled.values() for v in vs],
        [n for n, vs in enrolled.items() for _ in vs],
    )
    strangers = cal.unit_rows([vs[0] for vs in by_person.values() if len(vs) == 1])
    nearest = cal.unit_distances(strangers, tmpl).min(axis=1)
    exponent = cal.fit_gallery_exponent(table, nearest, len(gallery_names))
    table = replace(table, gallery_exponent=round(exponent, 4))
    table.meta["gallery_exponent_fit"] = (
        f"{len(gallery_names)} subjects enrolled with 2 photos each, "
        f"{len(strangers)} never-enrolled people"
    )
    # The same for raw photo-to-photo distances: what the investigative tolerance (0.6 on
    # dlib's scale, any enrolled face) means for someone never enrolled.
    face_impostor, face_genuine = cal.pairwise_distances(vectors, names)
    face_table = tables.build_table(
        face_impostor,
        face_genuine,
        max_distance=1.5,
        meta={"what": "Photo against photo, raw embedding distance (dlib's scale)."},
    )
    gallery = ev.Gallery.from_mapping(enrolled)
    raw_strangers = np.asarray([vs[0] for vs in by_person.values() if len(vs) == 1])
    raw_nearest = ev.subject_distances(gallery, raw_strangers).min(axis=1)
    face_exponent = cal.fit_gallery_exponent(face_table, raw_nearest, len(gallery.subjects))
    face_table = replace(face_table, gallery_exponent=round(face_exponent, 4))
    table.meta["face_table"] = face_table.as_json()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(_table_text(table.as_json()), encoding="utf-8")
    template_fmr_at = {str(d): table.fmr(d) for d in (0.25, 0.3, 0.35, 0.4)}
    face_fmr_at = {str(d): face_table.fmr(d) for d in (0.4, 0.5, 0.6)}
    summary = {
        "out": str(out),
        "impostor_comparisons": table.impostor_comparisons,
        "genuine_comparisons": table.genuine_comparisons,
        "gallery_exponent": table.gallery_exponent,
        "template_fmr_at": template_fmr_at,
        "face_fmr_at": face_fmr_at,
    }
    if as_json:
        click.echo(json.dumps(summary))
    else:
        click.echo(
            f"Wrote {out}: {table.impostor_comparisons} impostor and "
            f"{table.genuine_comparisons} genuine comparisons; gallery exponent "
            f"{table.gallery_exponent} (templates), {face_table.gallery_exponent} (faces)"
        )
        for d, f in template_fmr_at.items():
            click.echo(f"  template distance {d}: estimated false-match rate {f:.2e}")
        for d, f in face_fmr_at.items():
            click.echo(f"  photo distance {d}: estimated false-match rate {f:.2e}")
    return EXIT_OK
