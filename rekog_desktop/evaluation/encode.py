"""Turn evaluation images into embeddings: one face per image, stated fallbacks, a disk cache.

LFW-style images are labelled with the person nearest the centre, so that face is taken when
several are found. When the detector finds none, the fallbacks are tried in order and each
image's outcome is recorded (`how`), so a report can say how many embeddings were not found
by the normal detector. Embeddings are cached by file SHA-256 and engine settings, so a second
run over the same images only hashes files.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import sqlite3
from collections.abc import Generator, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np

from rekog_desktop.core.common.errors import UnreadableImage
from rekog_desktop.core.common.types import Embedding, FaceBox
from rekog_desktop.core.faces.engine import EngineSettings, FaceEngine, create_engine
from rekog_desktop.core.faces.images import load_image, sha256_file

#: Where a face sits in LFW's 250x250 centred crops (median HOG box on lfw_dev, as fractions of
#: the image side: top, right, bottom, left). Used only by the "centred box" fallback.
CENTRED_BOX_FRACTIONS = (0.32, 0.70, 0.748, 0.268)


def nearest_centre(boxes: list[FaceBox], width: int, height: int) -> FaceBox:
    """The box whose centre is closest to the image centre (LFW labels that face)."""
    cx, cy = width / 2.0, height / 2.0

    def off_centre(box: FaceBox) -> float:
        bx = (box.left + box.right) / 2.0
        by = (box.top + box.bottom) / 2.0
        return (bx - cx) ** 2 + (by - cy) ** 2

    return min(boxes, key=off_centre)


def _holds_centre(box: FaceBox, width: int, height: int) -> bool:
    return box.left <= width / 2 <= box.right and box.top <= height / 2 <= box.bottom


def centred_box(width: int, height: int) -> FaceBox:
    """Where the face of an LFW-style centred crop is, when no detector finds it."""
    top, right, bottom, left = CENTRED_BOX_FRACTIONS
    return FaceBox(
        top=round(top * height),
        right=round(right * width),
        bottom=round(bottom * height),
        left=round(left * width),
    )


# -- encoding ---------------------------------------------------------------------------------

#: Bump when the way an evaluation embedding is made changes, so old cache rows are not reused.
CACHE_VERSION = 1

Fallback = Literal["upsample", "cnn", "centred_box"]
FALLBACKS: tuple[Fallback, ...] = ("upsample", "cnn", "centred_box")


@dataclass(frozen=True)
class EncodedImage:
    """One image's embedding, or None; `how` says which step found the face: "detected",
    one of FALLBACKS, "off_centre" (only an off-centre face, used anyway), "no_face" or
    "unreadable"."""

    path: str
    sha256: str
    embedding: Embedding | None
    how: str
    cached: bool = False


@dataclass(frozen=True)
class EncodeSpec:
    """Everything that decides an evaluation embedding (picklable, hashed into the cache key)."""

    settings: EngineSettings = field(default_factory=EngineSettings)
    fallbacks: tuple[Fallback, ...] = ("upsample", "cnn")
    #: LFW-style centred crops: a face whose box does not contain the image centre is not the
    #: labelled person, so the fallbacks are tried before settling for it.
    centred_crops: bool = False

    def cache_key(self) -> str:
        text = json.dumps(
            {
                "v": CACHE_VERSION,
                "settings": asdict(self.settings),
                "fallbacks": list(self.fallbacks),
                "centred_crops": self.centred_crops,
                "centred": list(CENTRED_BOX_FRACTIONS),
            },
            sort_keys=True,
        )
        return hashlib.sha256(text.encode()).hexdigest()[:24]


class _Encoder:
    """The engines one spec needs, built lazily in whichever process encodes."""

    def __init__(self, spec: EncodeSpec) -> None:
        self.spec = spec
        self.engine = create_engine(spec.settings)
        self._fallback_engines: dict[str, FaceEngine] = {}

    def _fallback_engine(self, name: str) -> FaceEngine:
        if name not in self._fallback_engines:
            settings = self.spec.settings
            if name == "upsample":
                settings = replace(settings, upsample=settings.upsample + 1)
            else:
                settings = replace(settings, detector="cnn", upsample=0)
            self._fallback_engines[name] = create_engine(settings)
        return self._fallback_engines[name]

    def encode(self, path: str) -> EncodedImage:
        try:
            image = load_image(path)
        except UnreadableImage as exc:
            return EncodedImage(path, "", None, f"unreadable: {exc.reason}")
        pixels = image.pixels
        height, width = pixels.shape[:2]
        box = self._centre_face(self.engine.detect(pixels), width, height)
        how = "detected"
        off_centre = None
        if box is not None and self.spec.centred_crops and not _holds_centre(box, width, height):
            off_centre, box = box, None
        if box is None:
            for name in self.spec.fallbacks:
                if name == "centred_box":
                    box = centred_box(width, height)
                else:
                    box = self._centre_face(
                        self._fallback_engine(name).detect(pixels), width, height
                    )
                    if box is not None and self.spec.centred_crops:
                        box = box if _holds_centre(box, width, height) else None
                if box is not None:
                    how = name
                    break
        if box is None and off_centre is not None:
            box, how = off_centre, "off_centre"
        if box is None:
            return EncodedImage(path, image.sha256, None, "no_face")
        face = self.engine.analyse(pixels, [box])[0]
        return EncodedImage(path, image.sha256, face.embedding, how)

    @staticmethod
    def _centre_face(boxes: list[FaceBox], width: int, height: int) -> FaceBox | None:
        return nearest_centre(boxes, width, height) if boxes else None


_worker: _Encoder | None = None


def _init_worker(spec: EncodeSpec) -> None:
    global _worker
    _worker = _Encoder(spec)


def _encode_in_worker(path: str) -> EncodedImage:
    assert _worker is not None
    return _worker.encode(path)


class EmbeddingCache:
    """Evaluation embeddings on disk (SQLite), keyed by spec and file SHA-256; outside the repo
    and outside any gallery store, so measuring never touches casework data."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(folder / "eval_embeddings.sqlite"), timeout=30.0)
        self.conn.execute(
            """CREATE TABLE IF NOT EXISTS embeddings (
                spec TEXT NOT NULL, sha256 TEXT NOT NULL, how TEXT NOT NULL, embedding BLOB,
                PRIMARY KEY (spec, sha256))"""
        )

    def get(self, spec_key: str, digests: list[str]) -> dict[str, tuple[str, Embedding | None]]:
        found: dict[str, tuple[str, Embedding | None]] = {}
        for start in range(0, len(digests), 500):
            chunk = digests[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT sha256, how, embedding FROM embeddings "
                f"WHERE spec = ? AND sha256 IN ({marks})",
                [spec_key, *chunk],
            )
            for sha, how, blob in rows:
                vector = np.frombuffer(blob, dtype=np.float32).copy() if blob else None
                found[sha] = (how, vector)
        return found

    def put(self, spec_key: str, results: list[EncodedImage]) -> None:
        with self.conn:
            self.conn.executemany(
                "INSERT OR REPLACE INTO embeddings (spec, sha256, how, embedding) "
                "VALUES (?, ?, ?, ?)",
                [
                    (
                        spec_key,
                        r.sha256,
                        r.how,
                        _blob(r.embedding),
                    )
                    for r in results
                    if r.sha256 and not r.how.startswith("unreadable")
                ],
            )

    def close(self) -> None:
        self.conn.close()


def _blob(vector: Embedding | None) -> bytes | None:
    return None if vector is None else np.asarray(vector, dtype=np.float32).tobytes()


def encode_images(
    paths: list[Path],
    *,
    spec: EncodeSpec | None = None,
    cache_dir: Path | None = None,
    workers: int | None = None,
) -> Generator[EncodedImage, None, None]:
    """Yield one EncodedImage per path (cached ones first, then as workers finish them).

    Work runs on `workers` spawned processes (default: every core), like the importer.
    """
    spec = spec or EncodeSpec()
    key = spec.cache_key()
    cache = EmbeddingCache(cache_dir) if cache_dir is not None else None
    todo: list[str] = []
    try:
        digests: dict[str, str] = {}
        for path in paths:
            try:
                digests[str(path)] = sha256_file(path)
            except OSError as exc:
                yield EncodedImage(str(path), "", None, f"unreadable: {exc.strerror or exc}")
        known = cache.get(key, list(set(digests.values()))) if cache else {}
        for path_str, digest in digests.items():
            if digest in known:
                how, vector = known[digest]
                yield EncodedImage(path_str, digest, vector, how, cached=True)
            else:
                todo.append(path_str)
        pending: list[EncodedImage] = []
        for result in _run(todo, spec, workers):
            pending.append(result)
            if cache and len(pending) >= 64:
                cache.put(key, pending)
                pending.clear()
            yield result
        if cache:
            cache.put(key, pending)
    finally:
        if cache:
            cache.close()


def _run(paths: list[str], spec: EncodeSpec, workers: int | None) -> Iterator[EncodedImage]:
    count = workers if workers is not None else (os.cpu_count() or 1)
    if count <= 1 or len(paths) < 4:
        encoder = _Encoder(spec)
        for path in paths:
            yield encoder.encode(path)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=count, mp_context=context, initializer=_init_worker, initargs=(spec,)
    ) as pool:
        yield from pool.map(_encode_in_worker, paths, chunksize=4)
