"""``tuopin backup`` / ``tuopin restore``: a round trip gives every table row and every file back;
a corrupt, truncated or mismatched archive is refused with the current data untouched.

These run on whichever database DATABASE_URL names, so CI covers SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import re
import sqlite3
import stat
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connection, connections

from tuopin.cases import actions as case_actions
from tuopin.cases.models import CaseAttachment, Kind, Source
from tuopin.lib import clock
from tuopin.org import backup
from tuopin.org.backup import MANIFEST, MANIFEST_DIGEST, SQLITE_MEMBER
from tuopin.org.models import AuditEvent, OrgUnit
from tuopin.plan.models import Action, Campaign, Milestone
from tuopin.registry.models import Person
from tuopin.reports import actions as report_actions
from tuopin.reports.models import Attachment, Period, Report
from tuopin.reports.periods import ensure_periods
from tuopin.synth.registry_gen import generate_households

pytestmark = pytest.mark.django_db(transaction=True)

NOW = "2018-07-19T15:00:00+08:00"
BACKUP_AT = "2018-07-20T02:00:00+08:00"
PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
MINUTES = b"%PDF-1.4\n" + "现场核查记录".encode() * 200


@dataclass
class Filled:
    media: Path
    archive: Path
    report_attachment: Attachment
    case_attachment: CaseAttachment


@pytest.fixture
def filled(world, settings, tmp_path) -> Filled:
    """The world with households, a week's report with a photo and a petition with a scanned
    record, all backed up to ``archive`` at 02:00 the next night."""
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
    with clock.frozen(NOW):
        generate_households(
            [world.cg_village, world.df_village],
            seed=5,
            mean_households_per_village=12,
            registered_rate_poor_village=0.5,
            registered_rate_other_village=0.2,
        )
        campaign = Campaign.objects.create(
            title="陇县脱贫攻坚百日冲刺工作方案",
            county=world.county,
            issued_on=dt.date(2018, 6, 11),
            created_at=clock.at(dt.date(2018, 6, 11), 9),
        )
        roads = Action.objects.create(campaign=campaign, number=13, title="交通路网提升专项行动")
        roads.units.set([world.transport])
        Milestone.objects.create(
            action=roads,
            deadline=clock.at(dt.date(2018, 8, 31), 23, 59),
            text="完成通村道路硬化40公里",
            target_value=Decimal("40"),
            target_unit="公里",
            order=1,
        )
        ensure_periods(campaign, clock.now())
        period = Period.objects.get(campaign=campaign, deadline=clock.at(dt.date(2018, 7, 20), 12))
        report = Report.objects.get(period=period, unit=world.transport)
        report_attachment = report_actions.attach(
            world.reporter, report, SimpleUploadedFile("路面照片.png", PHOTO)
        )
        case = case_actions.register_case(
            world.cadre,
            kind=Kind.PETITION,
            source=Source.VISIT,
            title="低保评定不公",
            content="反映本村低保评定不公开",
            org_unit=world.cg_village,
            reporter_name="张三",
            reporter_phone="13912345678",
            attachments=[case_actions.Upload("来访记录.pdf", MINUTES)],
        )
    archive = tmp_path / "backups" / "tuopin.tar"
    archive.parent.mkdir()
    with clock.frozen(BACKUP_AT):
        call_command("backup", str(archive), stdout=io.StringIO())
    return Filled(
        settings.MEDIA_ROOT,
        archive,
        report_attachment,
        CaseAttachment.objects.get(event__case=case),
    )


def table_rows() -> dict[str, list[tuple]]:
    """Every row of every table in the database, in a stable order."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        # The comparison covers every model's table (and the many-to-many tables).
        model_tables = {
            model._meta.db_table for model in apps.get_models(include_auto_created=True)
        }
        assert model_tables <= set(tables)
        rows = {}
        for table in tables:
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 - introspected names
            rows[table] = sorted(cursor.fetchall(), key=repr)
    return rows


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def media_files(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def wipe(filled: Filled) -> OrgUnit:
    """What a bad day does: rows changed, deleted and added; files deleted and added."""
    Person.objects.update(name="某某")
    AuditEvent.objects.all().delete()
    Attachment.objects.all().delete()
    added = OrgUnit.objects.create(code="610327102", name="新设镇", level="town")
    Path(filled.report_attachment.file.path).unlink()
    Path(filled.case_attachment.file.path).write_bytes(b"overwritten")
    (filled.media / "stray.txt").write_text("不在备份里")
    return added


def restore(archive: Path) -> str:
    out = io.StringIO()
    call_command("restore", str(archive), interactive=False, stdout=out)
    return out.getvalue()


def test_it_restores_every_table_and_every_file(filled):
    before_rows, before_files = table_rows(), media_files(filled.media)
    assert set(before_files) == {
        filled.report_attachment.file.name,
        filled.case_attachment.file.name,
    }
    assert sum(len(rows) for rows in before_rows.values()) > 500
    added = wipe(filled)
    assert table_rows() != before_rows

    output = restore(filled.archive)

    assert output.startswith(f"恢复完成：{filled.archive}\n备份时间 2018-07-20T02:00:00+08:00，")
    assert "上传文件 2 个" in output
    assert table_rows() == before_rows
    assert media_files(filled.media) == before_files
    assert Attachment.objects.get().file.read() == PHOTO
    assert CaseAttachment.objects.get().file.read() == MINUTES
    assert Person.objects.filter(name="某某").count() == 0
    # Ids continue from where the backup left them, so the next row does not collide.
    again = OrgUnit.objects.create(code="610327102", name="新设镇", level="town")
    assert again.pk == added.pk
    assert [path.name for path in filled.media.parent.iterdir()] == ["media"]
    assert stat.S_IMODE(filled.archive.stat().st_mode) == 0o600


def test_it_writes_a_manifest_with_checksums_of_every_member(filled):
    with tarfile.open(filled.archive) as tar:
        names = tar.getnames()
        manifest_bytes = tar.extractfile(MANIFEST).read()
        digest = tar.extractfile(MANIFEST_DIGEST).read().decode().strip()
        manifest = json.loads(manifest_bytes)
        for entry in manifest["files"]:
            content = tar.extractfile(entry["name"]).read()
            assert len(content) == entry["size"]
            assert sha256(content) == entry["sha256"]
    assert sha256(manifest_bytes) == digest
    assert names[-2:] == [MANIFEST, MANIFEST_DIGEST]
    assert manifest["format_version"] == 1
    assert manifest["created_at"] == "2018-07-20T02:00:00+08:00"
    assert manifest["engine"] == connection.vendor
    assert "org.0001_initial" in manifest["migrations"]
    assert manifest["tables"]["registry_person"] == Person.objects.count()
    assert manifest["tables"]["reports_attachment"] == 1
    media = sorted(
        entry["name"] for entry in manifest["files"] if entry["name"].startswith("media/")
    )
    assert media == sorted(
        f"media/{item.file.name}" for item in (filled.report_attachment, filled.case_attachment)
    )


def flip_byte(member: Callable[[list[str]], str]) -> Callable[[Path], None]:
    def corrupt(archive: Path) -> None:
        with tarfile.open(archive) as tar:
            info = tar.getmember(member(tar.getnames()))
        data = bytearray(archive.read_bytes())
        data[info.offset_data + info.size // 2] ^= 0x01
        archive.write_bytes(bytes(data))

    return corrupt


def database_member(names: list[str]) -> str:
    return SQLITE_MEMBER if SQLITE_MEMBER in names else "database/registry_person.copy"


def attachment_member(names: list[str]) -> str:
    return next(name for name in names if name.startswith("media/reports/"))


def truncate(archive: Path) -> None:
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) * 2 // 3])


def rewrite_manifest(change: Callable[[dict], None], *, digest: bool = True):
    """Replace the manifest (and, unless ``digest`` is off, its checksum) in the archive."""

    def corrupt(archive: Path) -> None:
        with tarfile.open(archive) as tar:
            members = [(info, tar.extractfile(info).read()) for info in tar.getmembers()]
        contents = dict((info.name, data) for info, data in members)
        manifest = json.loads(contents[MANIFEST])
        change(manifest)
        new = json.dumps(manifest).encode()
        contents[MANIFEST] = new
        if digest:
            contents[MANIFEST_DIGEST] = sha256(new).encode()
        with tarfile.open(archive, "w") as tar:
            for info, _ in members:
                info.size = len(contents[info.name])
                tar.addfile(info, io.BytesIO(contents[info.name]))

    return corrupt


def drop_case_attachment(archive: Path) -> None:
    with tarfile.open(archive) as tar:
        kept = [
            (info, tar.extractfile(info).read())
            for info in tar.getmembers()
            if not info.name.startswith("media/cases/")
        ]
    with tarfile.open(archive, "w") as tar:
        for info, data in kept:
            tar.addfile(info, io.BytesIO(data))


def other_engine(manifest: dict) -> None:
    manifest["engine"] = "postgresql" if manifest["engine"] == "sqlite" else "sqlite"


def fewer_migrations(manifest: dict) -> None:
    manifest["migrations"].remove("reports.0001_initial")


def more_rows(manifest: dict) -> None:
    manifest["tables"]["registry_person"] += 1


def not_an_archive(archive: Path) -> None:
    archive.write_bytes(b"PK\x03\x04 this is a zip, not a backup" * 50)


ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@pytest.mark.parametrize(
    ("corrupt", "pattern"),
    [
        (flip_byte(database_member), r"备份文件已损坏：database/\S+ 的 SHA-256 校验不符$"),
        (flip_byte(attachment_member), r"备份文件已损坏：media/reports/\S+ 的 SHA-256 校验不符$"),
        # Cut inside a member, tarfile fails; cut on a block boundary, the archive simply ends
        # before the manifest (which is written last): both are refusals of an incomplete file.
        (
            truncate,
            "备份文件已损坏或不完整（可能被截断），无法读取|没有清单（manifest.json）.*已不完整",
        ),
        (not_an_archive, "备份文件已损坏或不完整（可能被截断），无法读取"),
        (drop_case_attachment, "备份文件不完整，缺少：media/cases/"),
        (rewrite_manifest(more_rows, digest=False), "备份清单的 SHA-256 校验不符，备份文件已损坏"),
        (rewrite_manifest(lambda m: m.update(format_version=2)), "备份格式版本为 2，"),
        (
            rewrite_manifest(fewer_migrations),
            "备份的数据库结构与当前数据库不一致（已执行的迁移不同：当前数据库有而备份中没有"
            " reports.0001_initial）",
        ),
        (rewrite_manifest(more_rows), "行数与清单不符"),
        (rewrite_manifest(lambda m: m["files"].pop()), "备份文件中有清单未列出的内容：media/"),
        (rewrite_manifest(lambda m: m["files"].pop(0)), "备份清单中缺少数据库内容：database/"),
        (
            rewrite_manifest(lambda m: m["files"][-1].update(name="media/../../evil.txt")),
            "备份清单中的文件名不安全：media/../../evil.txt",
        ),
    ],
    ids=[
        "flipped-database-byte",
        "flipped-attachment-byte",
        "truncated",
        "not-an-archive",
        "member-missing",
        "manifest-edited",
        "other-format-version",
        "other-migrations",
        "row-counts",
        "unlisted-file",
        "database-not-listed",
        "unsafe-name",
    ],
)
def test_it_refuses_a_bad_archive_and_changes_nothing(filled, corrupt, pattern):
    wipe(filled)
    rows, files = table_rows(), media_files(filled.media)
    corrupt(filled.archive)

    with pytest.raises(CommandError) as refused:
        restore(filled.archive)

    assert str(refused.value).startswith("恢复未执行，当前数据和附件均未改动：")
    assert re.search(pattern, str(refused.value))
    assert table_rows() == rows
    assert media_files(filled.media) == files
    assert [path.name for path in filled.media.parent.iterdir()] == ["media"]
    assert not (filled.media.parent.parent / "evil.txt").exists()


def test_it_refuses_an_archive_of_the_other_engine(filled):
    wipe(filled)
    rows, files = table_rows(), media_files(filled.media)
    rewrite_manifest(other_engine)(filled.archive)
    with pytest.raises(CommandError) as refused:
        restore(filled.archive)
    ours = ENGINES[connection.vendor]
    theirs = next(name for vendor, name in ENGINES.items() if vendor != connection.vendor)
    assert str(refused.value) == (
        "恢复未执行，当前数据和附件均未改动："
        f"备份来自 {theirs} 数据库，当前使用的是 {ours}，只能恢复到同类数据库"
    )
    assert table_rows() == rows
    assert media_files(filled.media) == files


def test_it_keeps_the_current_files_when_they_cannot_be_replaced(filled, monkeypatch):
    before_rows = table_rows()
    wipe(filled)
    files = media_files(filled.media)
    rename = Path.rename

    def refuse_staged(path: Path, target):
        if path.parent.name.startswith(".tuopin-restore-"):
            raise PermissionError(13, "Permission denied")
        return rename(path, target)

    monkeypatch.setattr(Path, "rename", refuse_staged)
    with pytest.raises(CommandError) as refused:
        restore(filled.archive)

    assert str(refused.value) == (
        f"数据库已恢复，但附件目录 {filled.media} 未能替换（[Errno 13] Permission denied）；"
        "请检查目录权限后重新执行 tuopin restore"
    )
    assert table_rows() == before_rows
    assert media_files(filled.media) == files
    assert [path.name for path in filled.media.parent.iterdir()] == ["media"]


def test_a_postgresql_manifest_must_describe_its_sequences(filled):
    wipe(filled)
    rows = table_rows()
    rewrite_manifest(lambda m: m.update(sequences=[{"name": "org_orgunit_id_seq"}]))(filled.archive)
    if connection.vendor == "postgresql":
        with pytest.raises(CommandError) as refused:
            restore(filled.archive)
        assert str(refused.value) == (
            "恢复未执行，当前数据和附件均未改动：备份清单缺少或写错了「sequences」项，备份文件已损坏"
        )
        assert table_rows() == rows
    else:
        # SQLite's sequences travel inside its database file; the manifest's are not read.
        restore(filled.archive)
        assert table_rows() != rows


@contextlib.contextmanager
def another_session_writing() -> Iterator[None]:
    """A second session in the middle of a write transaction, as a busy server would be."""
    if connection.vendor == "sqlite":
        # Give up after a moment instead of the server's twenty seconds.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout = 300")
        other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.close()
        return
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    other.ensure_connection()
    other.connection.autocommit = False
    other.connection.execute("LOCK TABLE org_orgunit IN ROW EXCLUSIVE MODE")
    try:
        yield
    finally:
        other.close()


def test_it_gives_up_when_another_session_holds_the_database(filled, monkeypatch):
    monkeypatch.setattr(backup, "RESTORE_LOCK_TIMEOUT", "300ms")
    wipe(filled)
    rows, files = table_rows(), media_files(filled.media)

    with another_session_writing(), pytest.raises(CommandError) as refused:
        restore(filled.archive)

    assert str(refused.value) == (
        "恢复未执行，当前数据和附件均未改动：数据库正被其他连接占用（如 tuopin serve 或"
        " tuopin worker），等待后仍无法写入；请先停止它们再恢复"
    )
    assert table_rows() == rows
    assert media_files(filled.media) == files


def test_check_only_verifies_and_changes_nothing(filled):
    wipe(filled)
    rows, files = table_rows(), media_files(filled.media)
    out = io.StringIO()
    call_command("restore", str(filled.archive), check=True, stdout=out)
    assert out.getvalue().startswith(f"校验通过，可以恢复：{filled.archive}\n")
    assert table_rows() == rows
    assert media_files(filled.media) == files


def test_it_asks_before_replacing_and_a_no_changes_nothing(filled, monkeypatch):
    wipe(filled)
    rows = table_rows()
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="已取消，当前数据未改动"):
        call_command("restore", str(filled.archive))
    assert table_rows() == rows


def test_it_refuses_missing_paths(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with pytest.raises(CommandError) as refused:
        call_command("backup", str(tmp_path / "nowhere" / "b.tar"))
    assert str(refused.value) == f"备份未完成：备份文件所在的目录不存在：{tmp_path / 'nowhere'}"
    with pytest.raises(CommandError) as refused:
        restore(tmp_path / "missing.tar")
    assert str(refused.value) == (
        f"恢复未执行，当前数据和附件均未改动：备份文件不存在：{tmp_path / 'missing.tar'}"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_second_backup_replaces_the_file_whole(filled):
    first = filled.archive.read_bytes()
    wipe(filled)
    call_command("backup", str(filled.archive), stdout=io.StringIO())
    assert filled.archive.read_bytes() != first
    assert sorted(path.name for path in filled.archive.parent.iterdir()) == ["tuopin.tar"]
