"""Backups: the database and every uploaded file in one tar archive, checked before restoring.

An archive holds, in this order:

- ``database/…`` — SQLite: one file written by SQLite's online backup API; PostgreSQL: one COPY
  text file per table, all read in one REPEATABLE READ snapshot (as pg_dump reads), so no
  client tools and no client/server version match are needed;
- ``media/…`` — every file under ``MEDIA_ROOT`` (report and case attachments, staged imports);
- ``manifest.json`` — format version, time, engine, applied migrations, row count per table
  (columns and sequences on PostgreSQL), and each member's size and SHA-256;
- ``manifest.sha256`` — the SHA-256 of ``manifest.json``.

Restoring reads the whole archive into a staging folder beside ``MEDIA_ROOT`` and checks every
checksum, the engine, the migrations and the tables before it changes anything. The database is
then replaced in one transaction and, only once that has committed, the staged files take the
place of ``MEDIA_ROOT`` by renaming.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

import psycopg
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder

from tuopin.lib import clock

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_DIGEST = "manifest.sha256"
SQLITE_MEMBER = "database/tuopin.sqlite3"
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
CHUNK = 1024 * 1024
# A manifest lists every file; even a county's years of attachments stay far below this.
MANIFEST_MAX_BYTES = 256 * 1024 * 1024
# How long a PostgreSQL restore waits for other sessions (a running server or worker) to let go;
# on SQLite the connection's busy timeout (settings) applies.
RESTORE_LOCK_TIMEOUT = "20s"


class BackupError(Exception):
    """A backup or restore that was not done; the message tells the operator why, in Chinese."""


class DatabaseBusy(BackupError):
    """Another session kept the database locked for longer than a restore waits."""

    def __init__(self) -> None:
        super().__init__(
            "数据库正被其他连接占用（如 tuopin serve 或 tuopin worker），等待后仍无法写入；"
            "请先停止它们再恢复"
        )


class MediaNotReplaced(BackupError):
    """The database was restored but the uploaded files could not be put in place."""


@dataclass(frozen=True)
class Member:
    name: str
    size: int
    sha256: str


def describe(manifest: dict[str, Any]) -> str:
    """One line an operator can compare between a backup and its restore."""
    media = [entry for entry in manifest["files"] if entry["name"].startswith("media/")]
    size = sum(entry["size"] for entry in manifest["files"])
    engine = ENGINE_NAMES.get(manifest["engine"], manifest["engine"])
    return (
        f"备份时间 {manifest['created_at']}，{engine} 数据库 {len(manifest['tables'])} 张表"
        f" {sum(manifest['tables'].values())} 行，上传文件 {len(media)} 个，共 {size / 1048576:.1f} MB"
    )


# ---------------------------------------------------------------------------------------------
# Backup


def create_backup(target: Path | str, connection: BaseDatabaseWrapper) -> dict[str, Any]:
    """Write the archive to ``target`` (replaced whole at the end) and return its manifest."""
    target = Path(target)
    if not target.parent.is_dir():
        raise BackupError(f"备份文件所在的目录不存在：{target.parent}")
    if connection.vendor not in ENGINE_NAMES:
        raise BackupError(f"不支持备份 {connection.vendor} 数据库")
    # The partial archive lives beside the target so the final rename is atomic.
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".tuopin-backup-") as work_dir:
        work = Path(work_dir)
        # The database first, then the files: an upload's file is written before its row
        # commits, so every file the snapshot names is already on disk when the files are read.
        if connection.vendor == "sqlite":
            database, facts = _dump_sqlite(connection, work)
        else:
            database, facts = _dump_postgresql(connection, work)
        partial = work / "archive.tar"
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            members = [_add_file(tar, name, path) for name, path in database]
            members += [_add_file(tar, name, path) for name, path in _media_files()]
            manifest = {
                "format_version": FORMAT_VERSION,
                "created_at": clock.now().isoformat(),
                "engine": connection.vendor,
                **facts,
                "files": [member.__dict__ for member in members],
            }
            data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
            _add_bytes(tar, MANIFEST, data)
            _add_bytes(tar, MANIFEST_DIGEST, f"{hashlib.sha256(data).hexdigest()}\n".encode())
        # Password hashes and every citizen's personal data: readable by the owner only.
        partial.chmod(0o600)
        with partial.open("rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, target)
    return manifest


def _dump_sqlite(connection, work: Path) -> tuple[list[tuple[str, Path]], dict[str, Any]]:
    path = work / "tuopin.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    try:
        # One step: the whole database is copied under one read lock, a consistent snapshot.
        connection.connection.backup(copy)
        # A single self-contained file in the archive, without -wal/-shm companions.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
    tables = _sqlite_row_counts(path)
    migrations = []
    if "django_migrations" in tables:
        with _read_only(path) as database:
            rows = database.execute("SELECT app, name FROM django_migrations").fetchall()
        migrations = sorted(f"{app}.{name}" for app, name in rows)
    return [(SQLITE_MEMBER, path)], {"tables": tables, "migrations": migrations}


def _read_only(path: Path) -> contextlib.closing[sqlite3.Connection]:
    return contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True))


def _sqlite_row_counts(path: Path) -> dict[str, int]:
    with _read_only(path) as database:
        tables = [
            row[0]
            for row in database.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "ORDER BY name"
            )
        ]
        return {
            table: database.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608 - names from sqlite_master
            for table in tables
        }


def _dump_postgresql(connection, work: Path) -> tuple[list[tuple[str, Path]], dict[str, Any]]:
    quote = connection.ops.quote_name
    members: list[tuple[str, Path]] = []
    rows: dict[str, int] = {}
    columns: dict[str, list[str]] = {}
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # Every table from the same snapshot: rows committed meanwhile are left out whole.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        for table in _postgresql_tables(connection, cursor):
            columns[table] = _postgresql_columns(connection, cursor, table)
            column_list = ", ".join(quote(name) for name in columns[table])
            path = work / f"{table}.copy"
            count = 0
            with (
                path.open("wb") as out,
                cursor.cursor.copy(f"COPY {quote(table)} ({column_list}) TO STDOUT") as copy,
            ):
                for chunk in copy:
                    out.write(chunk)
                    # COPY text ends every row with a newline and escapes newlines inside values.
                    count += bytes(chunk).count(b"\n")
            rows[table] = count
            members.append((f"database/{table}.copy", path))
        cursor.execute(
            "SELECT sequencename, start_value, last_value FROM pg_sequences "
            "WHERE schemaname = current_schema() ORDER BY sequencename"
        )
        sequences = [
            {"name": name, "start_value": start, "last_value": last}
            for name, start, last in cursor.fetchall()
        ]
        migrations = _applied_migrations(connection)
    return members, {
        "tables": rows,
        "columns": columns,
        "sequences": sequences,
        "migrations": migrations,
    }


def _postgresql_tables(connection, cursor) -> list[str]:
    return sorted(
        info.name for info in connection.introspection.get_table_list(cursor) if info.type == "t"
    )


def _postgresql_columns(connection, cursor, table: str) -> list[str]:
    return [column.name for column in connection.introspection.get_table_description(cursor, table)]


def _applied_migrations(connection) -> list[str]:
    return sorted(
        f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations()
    )


def _media_files() -> Iterator[tuple[str, Path]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return
    for folder, subfolders, names in os.walk(root):
        subfolders.sort()
        for name in sorted(names):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield f"media/{path.relative_to(root).as_posix()}", path


class _HashingReader:
    """Hands a file to tarfile while hashing what it reads."""

    def __init__(self, stream: IO[bytes]):
        self.stream = stream
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        return data


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> Member:
    with path.open("rb") as stream:
        info = tar.gettarinfo(fileobj=stream, arcname=name)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        reader = _HashingReader(stream)
        tar.addfile(info, reader)
    return Member(name, info.size, reader.digest.hexdigest())


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(clock.now().timestamp())
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


# ---------------------------------------------------------------------------------------------
# Restore


def restore_backup(
    source: Path | str, connection: BaseDatabaseWrapper, *, check_only: bool = False
) -> dict[str, Any]:
    """Check the whole archive, then replace the database and ``MEDIA_ROOT`` with its contents.

    Raises :class:`BackupError` with nothing changed when the archive is corrupt, truncated or
    made for another engine, format or migration state. ``check_only`` stops after the checks.
    """
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"备份文件不存在：{source}")
    media = Path(settings.MEDIA_ROOT)
    media.parent.mkdir(parents=True, exist_ok=True)
    # Staged beside MEDIA_ROOT: the same file system, so swapping the folders is a rename.
    staging = Path(tempfile.mkdtemp(dir=media.parent, prefix=".tuopin-restore-"))
    try:
        manifest = _stage(source, staging, connection)
        if check_only:
            return manifest
        if connection.vendor == "sqlite":
            _load_sqlite(connection, staging / SQLITE_MEMBER)
        else:
            _load_postgresql(connection, manifest, staging / "database")
        _swap_media(staging / "media", media)
        return manifest
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _stage(source: Path, staging: Path, connection) -> dict[str, Any]:
    """Read the archive into ``staging`` and check everything; returns the manifest."""
    try:
        with tarfile.open(source, "r:") as tar:
            members = {member.name: member for member in tar.getmembers()}
            manifest = _read_manifest(tar, members)
            _check_compatible(manifest, connection)
            expected = {entry.name: entry for entry in _listed_members(manifest)}
            if connection.vendor == "sqlite":
                database = {SQLITE_MEMBER}
            else:
                database = {f"database/{table}.copy" for table in manifest["tables"]}
            if not database <= set(expected):
                absent = "、".join(sorted(database - set(expected))[:5])
                raise BackupError(f"备份清单中缺少数据库内容：{absent}")
            missing = sorted(set(expected) - set(members))
            if missing:
                raise BackupError(f"备份文件不完整，缺少：{'、'.join(missing[:5])}")
            unlisted = sorted(set(members) - set(expected) - {MANIFEST, MANIFEST_DIGEST})
            if unlisted:
                raise BackupError(f"备份文件中有清单未列出的内容：{'、'.join(unlisted[:5])}")
            (staging / "media").mkdir()
            for entry in expected.values():
                _extract_checked(tar, members[entry.name], entry, staging)
    except (tarfile.TarError, EOFError):
        raise BackupError("备份文件已损坏或不完整（可能被截断），无法读取") from None
    if connection.vendor == "sqlite":
        _check_sqlite_file(staging / SQLITE_MEMBER, manifest["tables"])
    return manifest


def _read_manifest(tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo]) -> dict[str, Any]:
    if MANIFEST not in members or MANIFEST_DIGEST not in members:
        raise BackupError("备份文件中没有清单（manifest.json），不是 tuopin 备份文件或已不完整")
    data = _read_small(tar, members[MANIFEST])
    recorded = _read_small(tar, members[MANIFEST_DIGEST]).decode("ascii", "replace").strip()
    if hashlib.sha256(data).hexdigest() != recorded:
        raise BackupError("备份清单的 SHA-256 校验不符，备份文件已损坏")
    try:
        manifest = json.loads(data)
    except ValueError:
        raise BackupError("备份清单无法解析，备份文件已损坏") from None
    if not isinstance(manifest, dict):
        raise BackupError("备份清单格式不对，不是 tuopin 备份文件")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise BackupError(
            f"备份格式版本为 {version}，本程序只能恢复格式版本 {FORMAT_VERSION} 的备份；"
            "请使用制作该备份的 tuopin 版本恢复"
        )
    required = {
        "engine": str,
        "created_at": str,
        "migrations": list,
        "tables": dict,
        "files": list,
    }
    _require_keys(manifest, required)
    if not all(isinstance(name, str) for name in manifest["migrations"]):
        raise BackupError("备份清单缺少或写错了「migrations」项，备份文件已损坏")
    return manifest


def _require_keys(manifest: dict[str, Any], required: dict[str, type]) -> None:
    for key, kind in required.items():
        if not isinstance(manifest.get(key), kind):
            raise BackupError(f"备份清单缺少或写错了「{key}」项，备份文件已损坏")


def _read_small(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    if not member.isreg() or member.size > MANIFEST_MAX_BYTES:
        raise BackupError(f"备份文件中的 {member.name} 不是正常的清单文件")
    stream = tar.extractfile(member)
    assert stream is not None  # a regular member always has a stream
    return stream.read()


def _listed_members(manifest: dict[str, Any]) -> list[Member]:
    entries = []
    for raw in manifest["files"]:
        try:
            entry = Member(str(raw["name"]), int(raw["size"]), str(raw["sha256"]))
        except (KeyError, TypeError, ValueError):
            raise BackupError("备份清单的文件列表格式不对，备份文件已损坏") from None
        path = PurePosixPath(entry.name)
        # Only plain relative paths under the two folders: nothing may land outside staging.
        if (
            path.is_absolute()
            or len(path.parts) < 2
            or path.parts[0] not in {"database", "media"}
            or any(part in {"", ".", ".."} for part in path.parts)
            or path.as_posix() != entry.name
        ):
            raise BackupError(f"备份清单中的文件名不安全：{entry.name}")
        entries.append(entry)
    return entries


def _check_compatible(manifest: dict[str, Any], connection) -> None:
    engine = manifest["engine"]
    if engine != connection.vendor:
        ours = ENGINE_NAMES.get(connection.vendor, connection.vendor)
        raise BackupError(
            f"备份来自 {ENGINE_NAMES.get(engine, engine)} 数据库，当前使用的是 {ours}，"
            "只能恢复到同类数据库"
        )
    if engine == "postgresql":
        _require_keys(manifest, {"columns": dict, "sequences": list})
        if not all(
            isinstance(sequence, dict)
            and isinstance(sequence.get("name"), str)
            and isinstance(sequence.get("start_value"), int)
            and isinstance(sequence.get("last_value"), int | None)
            for sequence in manifest["sequences"]
        ):
            raise BackupError("备份清单缺少或写错了「sequences」项，备份文件已损坏")
    theirs, ours = set(manifest["migrations"]), set(_applied_migrations(connection))
    if theirs != ours:
        differences = []
        if theirs - ours:
            differences.append(f"备份中有而当前数据库没有 {'、'.join(sorted(theirs - ours)[:5])}")
        if ours - theirs:
            differences.append(f"当前数据库有而备份中没有 {'、'.join(sorted(ours - theirs)[:5])}")
        raise BackupError(
            f"备份的数据库结构与当前数据库不一致（已执行的迁移不同：{'；'.join(differences)}）。"
            "请用与备份时相同版本的 tuopin，执行 tuopin migrate 使结构一致后再恢复"
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            current = {
                table: _postgresql_columns(connection, cursor, table)
                for table in _postgresql_tables(connection, cursor)
            }
        if manifest.get("columns") != current or set(manifest["tables"]) != set(current):
            raise BackupError("备份中的数据表或字段与当前数据库不一致，请先使两边的结构一致")


def _extract_checked(tar: tarfile.TarFile, member: tarfile.TarInfo, entry: Member, staging: Path):
    if not member.isreg():
        raise BackupError(f"备份文件中的 {entry.name} 不是普通文件")
    if member.size != entry.size:
        raise BackupError(f"备份文件已损坏：{entry.name} 的大小与清单不符")
    stream = tar.extractfile(member)
    assert stream is not None  # a regular member always has a stream
    destination = staging / entry.name
    destination.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with destination.open("wb") as out:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != entry.sha256:
        raise BackupError(f"备份文件已损坏：{entry.name} 的 SHA-256 校验不符")


def _check_sqlite_file(path: Path, tables: dict[str, Any]) -> None:
    try:
        with _read_only(path) as database:
            verdict = database.execute("PRAGMA integrity_check").fetchone()[0]
        counts = _sqlite_row_counts(path)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"备份中的数据库文件无法打开（{error}）") from None
    if verdict != "ok":
        raise BackupError(f"备份中的数据库文件未通过完整性检查：{verdict}")
    if counts != tables:
        raise BackupError("备份中的数据库行数与清单不符，备份文件已损坏")


def _load_sqlite(connection, path: Path) -> None:
    connection.ensure_connection()
    try:
        with _read_only(path) as archived:
            # One step is one write transaction on the live database: other connections see the
            # old data or the restored data, never a mixture, and a failure leaves the old data.
            archived.backup(connection.connection, progress=_give_up_when_busy)
    except sqlite3.Error as error:
        raise BackupError(f"数据库恢复失败，已回滚（{error}）") from None


def _give_up_when_busy(status: int, remaining: int, total: int) -> None:
    # Python would retry a busy step forever; the connection's busy timeout has already waited.
    if status in {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}:
        raise DatabaseBusy


def _load_postgresql(connection, manifest: dict[str, Any], folder: Path) -> None:
    quote = connection.ops.quote_name
    tables = sorted(manifest["tables"])
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{RESTORE_LOCK_TIMEOUT}'")
            cursor.execute(f"TRUNCATE {', '.join(quote(table) for table in tables)}")
            for table in tables:
                column_list = ", ".join(quote(name) for name in manifest["columns"][table])
                with (
                    (folder / f"{table}.copy").open("rb") as stream,
                    cursor.cursor.copy(f"COPY {quote(table)} ({column_list}) FROM STDIN") as copy,
                ):
                    while chunk := stream.read(CHUNK):
                        copy.write(chunk)
                if cursor.cursor.rowcount != manifest["tables"][table]:
                    raise BackupError(f"备份中数据表 {table} 的行数与清单不符，备份文件已损坏")
            for sequence in manifest["sequences"]:
                called = sequence["last_value"] is not None
                value = sequence["last_value"] if called else sequence["start_value"]
                cursor.execute(
                    "SELECT setval(quote_ident(%s)::regclass, %s, %s)",
                    [sequence["name"], value, called],
                )
            # Foreign keys are checked now, while a failure still rolls everything back.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    except DatabaseError as error:
        if isinstance(error.__cause__, psycopg.errors.LockNotAvailable):
            raise DatabaseBusy from None
        raise BackupError(f"数据库恢复失败，已回滚（{error}）") from None


def _swap_media(staged: Path, media: Path) -> None:
    replaced = Path(tempfile.mkdtemp(dir=media.parent, prefix=".tuopin-replaced-")) / media.name
    try:
        if media.exists():
            media.rename(replaced)
        staged.rename(media)
    except OSError as error:
        if replaced.exists() and not media.exists():
            replaced.rename(media)
        if not replaced.exists():
            replaced.parent.rmdir()
        raise MediaNotReplaced(
            f"数据库已恢复，但附件目录 {media} 未能替换（{error}）；"
            "请检查目录权限后重新执行 tuopin restore"
        ) from None
    shutil.rmtree(replaced.parent, ignore_errors=True)
