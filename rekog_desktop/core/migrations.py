"""Schema of the gallery store, as an ordered list of sqlite-utils migrations.

Never edit an applied migration: add a new one. Stores created by older versions are upgraded
in place when opened.
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database, Migrations

MIGRATIONS = Migrations("rekog_desktop")


def _run(db: Database, script: str) -> None:
    """Run statements one by one: `executescript` would commit the migration's transaction."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if statement.strip() and sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""


@MIGRATIONS(name="0001_gallery")
def _gallery(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
        INSERT INTO meta (key, value) VALUES ('generation', 0);
        INSERT INTO meta (key, value) VALUES ('store_id', abs(random()));

        CREATE TABLE subjects (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            notes TEXT NOT NULL DEFAULT '',
            created_utc TEXT NOT NULL
        );

        CREATE TABLE photos (
            id INTEGER PRIMARY KEY,
            subject_id INTEGER REFERENCES subjects(id) ON DELETE SET NULL,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL UNIQUE,
            width INTEGER NOT NULL,
            height INTEGER NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            imported_utc TEXT NOT NULL,
            imported_by TEXT NOT NULL,
            face_count INTEGER NOT NULL
        );
        CREATE INDEX photos_subject ON photos(subject_id);

        CREATE TABLE faces (
            id INTEGER PRIMARY KEY,
            photo_id INTEGER NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
            subject_id INTEGER REFERENCES subjects(id) ON DELETE SET NULL,
            top INTEGER NOT NULL,
            right INTEGER NOT NULL,
            bottom INTEGER NOT NULL,
            "left" INTEGER NOT NULL,
            landmarks TEXT NOT NULL,
            embedding BLOB NOT NULL CHECK (length(embedding) = 512),
            quality TEXT NOT NULL,
            engine TEXT NOT NULL,
            engine_version TEXT NOT NULL,
            thumbnail BLOB
        );
        CREATE INDEX faces_photo ON faces(photo_id);
        CREATE INDEX faces_subject ON faces(subject_id);

        CREATE TRIGGER faces_insert_gen AFTER INSERT ON faces
        BEGIN UPDATE meta SET value = value + 1 WHERE key = 'generation'; END;
        CREATE TRIGGER faces_delete_gen AFTER DELETE ON faces
        BEGIN UPDATE meta SET value = value + 1 WHERE key = 'generation'; END;
        CREATE TRIGGER faces_update_gen AFTER UPDATE OF subject_id, embedding ON faces
        BEGIN UPDATE meta SET value = value + 1 WHERE key = 'generation'; END;
        CREATE TRIGGER subjects_update_gen AFTER UPDATE OF name ON subjects
        BEGIN UPDATE meta SET value = value + 1 WHERE key = 'generation'; END;
        """,
    )
