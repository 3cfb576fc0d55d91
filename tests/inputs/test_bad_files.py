"""A corpus of bad files against every upload: a Chinese refusal, no 500, nothing written.

Issue 12 item 6. Each endpoint gets a truncated workbook, an executable renamed to the expected
extension, a workbook whose zip directory declares false sizes, GBK-encoded CSV text, a file
past the upload limit and an empty file.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from tuopin.assess import actions as assess_actions
from tuopin.assess.models import DrillHousehold
from tuopin.assess.tests import factories
from tuopin.cases.models import Case, CaseAttachment
from tuopin.dashboard.models import Boundary
from tuopin.org.models import ApiToken, AuditEvent, OrgUnit
from tuopin.plan.models import PlanDraft
from tuopin.registry.models import Household, ImportBatch
from tuopin.reports.models import Attachment
from tuopin.reports.tests.conftest import build_setup

LIMIT = 64 * 1024  # the project's upload limit in these tests
THURSDAY = "2018-07-19T15:00:00+08:00"


def _workbook() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer)
    sheet = book.add_worksheet("户")
    for row in range(200):
        sheet.write_row(row, 0, ["户编号", "村代码", "户主姓名"] if row == 0 else [row, 1, "某"])
    book.close()
    return buffer.getvalue()


def _false_sizes(data: bytes, declared: int = 100) -> bytes:
    """Rewrite each member's uncompressed size, in its local header and the directory."""
    forged = bytearray(data)
    for info in zipfile.ZipFile(io.BytesIO(data)).infolist():
        struct.pack_into("<I", forged, info.header_offset + 22, declared)
    position = forged.find(b"PK\x01\x02")
    while position >= 0:
        struct.pack_into("<I", forged, position + 24, declared)
        position = forged.find(b"PK\x01\x02", position + 4)
    return bytes(forged)


WORKBOOK = _workbook()
CORPUS = {
    "truncated": ("名单.xlsx", WORKBOOK[: len(WORKBOOK) // 2]),
    "renamed": ("名单.xlsx", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200),
    "false_sizes": ("名单.xlsx", _false_sizes(WORKBOOK)),
    "gbk_csv": ("名单.csv", "户编号,户主姓名\n6103271002010001,张三\n".encode("gbk")),
    "huge": ("名单.xlsx", b"PK\x03\x04" + b"\x00" * (LIMIT * 3)),
    "empty": ("名单.xlsx", b""),
}
# What each refusal says (the endpoint's own wording where it reads the file itself).
SAYS = {
    "truncated": "内容是zip 压缩包，此处只接受",
    "renamed": "内容是.exe 文件，此处只接受",
    "false_sizes": "文件已损坏（压缩包内的文件大小或校验和与目录不符）",
    "gbk_csv": "内容是CSV 表格（.csv），此处只接受",
    "huge": "超过 64 KB 的上限，未接收",
    "empty": "是空的",
}


@dataclass
class Endpoint:
    send: Callable[[str, bytes], str]  # posts the file, returns the page or body shown after
    written: Callable[[], tuple]  # rows that an accepted upload would write
    says: dict[str, str]


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TUOPIN_UPLOAD_MAX_BYTES = LIMIT
    return settings.MEDIA_ROOT


def _files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _page(response) -> str:
    assert response.status_code in (200, 400, 422), response.status_code
    return response.content.decode()


@pytest.fixture
def endpoints(world, login, client, frozen_clock, tmp_path, settings) -> dict[str, Endpoint]:
    report = build_setup(world).report(world.transport)
    factories.household(world.cg_village)
    factories.household(world.df_village)
    drill = assess_actions.create_drill(
        world.hq, area=world.county, seed=1, as_of=dt.date(2018, 7, 20), villages=2, households=2
    )
    _token, key = ApiToken.issue(world.hq, "测试")

    def post(user, url, field, name, data, **extra):
        with frozen_clock(THURSDAY):
            return login(user).post(
                url, {field: SimpleUploadedFile(name, data)}, follow=True, **extra
            )

    def report_upload(name, data):
        with frozen_clock(THURSDAY):
            response = login(world.reporter).post(
                reverse("reports:edit", args=[report.pk]),
                {"intent": "upload", "file": SimpleUploadedFile(name, data)},
                follow=True,
            )
        return _page(response)

    def api_parse(name, data):
        client.logout()
        response = client.post(
            "/api/plan/parse",
            {"document": SimpleUploadedFile(name, data)},
            HTTP_AUTHORIZATION=f"Bearer {key}",
        )
        assert response.status_code == 422
        return response.json()["detail"]

    def org_import(name, data):
        path = tmp_path / "cli" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        with pytest.raises(CommandError) as refused:
            call_command("org_import", str(path))
        return str(refused.value)

    register = {
        "kind": "discipline",
        "source": "inspection",
        "org_unit": world.cg_village.pk,
        "title": "驻村干部不在岗",
        "content": "暗访发现",
    }

    def case_register(name, data):
        with frozen_clock(THURSDAY):
            response = login(world.hq).post(
                "/cases/new/", {**register, "attachment": SimpleUploadedFile(name, data)}
            )
        return _page(response)

    def petition_photo(name, data):
        """A photo on the public filing page (the demo echo stands in for the SMS gateway)."""
        import re

        settings.SMS_WEBHOOK_URL, settings.SMS_DEMO_ECHO = "", True
        settings.CASES_FILE_MIN_SECONDS = 0
        client.logout()
        with frozen_clock(THURSDAY):
            page = client.get("/cases/file/").content.decode()
            started = re.search(r'name="t" value="([^"]+)"', page).group(1)
            form = {
                "t": started,
                "name": "李四",
                "phone": "13800001234",
                "town": world.chengguan.code,
                "category": "其他",
                "content": "村道多处损坏，雨天无法通行，希望尽快修复。",
            }
            echoed = client.post("/cases/file/", {**form, "action": "code"}).content.decode()
            code = re.search(r"验证码为 (\d{6})", echoed).group(1)
            response = client.post(
                "/cases/file/",
                {**form, "code": code, "action": "file", "photo": SimpleUploadedFile(name, data)},
            )
        return _page(response)

    table_says = {"gbk_csv": "缺少此列"}
    cli_says = {
        "truncated": "不是有效的 .xlsx 工作簿",
        "renamed": "不是有效的 .xlsx 工作簿",
        "huge": "不是有效的 .xlsx 工作簿",
        "empty": "不是有效的 .xlsx 工作簿",
        "gbk_csv": "缺少必需的列",
    }
    return {
        "registry_import": Endpoint(
            lambda n, d: _page(post(world.hq, reverse("registry:import"), "file", n, d)),
            lambda: (Household.objects.count(), ImportBatch.objects.count()),
            {},
        ),
        "plan_upload": Endpoint(
            lambda n, d: _page(post(world.hq, reverse("plan:upload"), "document", n, d)),
            lambda: (PlanDraft.objects.count(),),
            {
                "truncated": "只能上传 .txt 或 .docx 文件",
                "renamed": "只能上传 .txt 或 .docx 文件",
                "false_sizes": "只能上传 .txt 或 .docx 文件",
                "gbk_csv": "只能上传 .txt 或 .docx 文件",
                "empty": "文件为空",
            },
        ),
        "plan_api_parse": Endpoint(api_parse, lambda: (PlanDraft.objects.count(),), {}),
        # Attachments go up with the report form's 保存草稿并上传: the draft is saved (typed text
        # is never lost), the file is refused.
        "report_attachment": Endpoint(
            report_upload,
            lambda: (Attachment.objects.count(),),
            {},
        ),
        "case_attachment": Endpoint(
            case_register,
            lambda: (Case.objects.count(), CaseAttachment.objects.count()),
            {"empty": "所提交的是空文件"},
        ),
        "petition_photo": Endpoint(
            petition_photo,
            lambda: (Case.objects.count(), CaseAttachment.objects.count()),
            {},
        ),
        "boundary_geojson": Endpoint(
            lambda n, d: _page(
                post(world.hq, reverse("dashboard:import_boundaries"), "file", n, d)
            ),
            lambda: (Boundary.objects.count(),),
            {},
        ),
        "drill_visits": Endpoint(
            lambda n, d: _page(
                post(world.hq, reverse("assess:drill_import", args=[drill.pk]), "file", n, d)
            ),
            lambda: tuple(
                DrillHousehold.objects.filter(visited_at__isnull=False).values_list("pk")
            ),
            table_says,
        ),
        "org_import": Endpoint(
            org_import,
            lambda: (OrgUnit.objects.count(), AuditEvent.objects.count()),
            cli_says,
        ),
    }


ENDPOINTS = [
    "registry_import",
    "plan_upload",
    "plan_api_parse",
    "report_attachment",
    "case_attachment",
    "petition_photo",
    "boundary_geojson",
    "drill_visits",
    "org_import",
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("bad", list(CORPUS))
def test_it_refuses_a_bad_file_in_chinese_and_writes_nothing(endpoints, media, endpoint, bad):
    target = endpoints[endpoint]
    before, files_before = target.written(), _files_under(media)
    name, data = CORPUS[bad]
    shown = target.send(name, data)
    assert target.says.get(bad, SAYS[bad]) in shown
    assert target.written() == before
    assert _files_under(media) == files_before
