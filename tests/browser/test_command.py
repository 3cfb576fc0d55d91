"""The command loop in the demo: the leader on duty signs in on a phone; HQ opens the week's
agenda (open instructions first), records the meeting with an instruction and downloads the
会议纪要; the unit finds the instruction on its own report page."""

from __future__ import annotations

import io
import re

import pytest

from tests.browser.conftest import (
    PHONE,
    test_it_runs_on_a_test_database,  # noqa: F401 (collected here)
)

pytestmark = pytest.mark.browser


def test_the_leader_on_duty_signs_in_on_a_phone(site, db_access):
    from tuopin.command.models import DutyShift

    leader = site.login("leader", PHONE)
    site.go(leader, "/command/duty/")
    leader.get_by_role("button", name="签到").click()
    leader.wait_for_load_state()
    assert "葛管社 已签到" in leader.content()
    assert leader.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    site.shot(leader, "command-duty-signed-phone")
    shift = DutyShift.objects.get(day="2018-07-20", leader__name="葛管社")
    assert shift.signed_in_by.username == "leader"


def test_hq_records_the_meeting_and_the_unit_sees_its_instruction(site, db_access):
    from docx import Document

    from tuopin.command.models import Instruction
    from tuopin.plan.models import Campaign
    from tuopin.reports.models import Period

    campaign = Campaign.objects.get(county__code="610327", is_active=True)
    period = Period.objects.filter(campaign=campaign).order_by("-deadline").first()
    hq = site.login("hq")
    site.go(hq, f"/reports/period/{period.pk}/agenda/")
    page = hq.content()
    assert page.index("领导交办事项办理情况") < page.index("各单位存在问题和意见建议")
    assert "已超期" in page
    site.shot(hq, "agenda-instructions-first-desktop")
    hq.get_by_role("link", name="记录本次会议纪要").click()
    hq.wait_for_load_state()
    hq.fill("input[name=chair]", "葛管社")
    hq.fill("textarea[name=attendees]", "指挥部领导，各责任单位主要负责人")
    hq.fill("input[name=i0-text]", "三天内完成通村道路资金拨付情况核查")
    hq.select_option("select[name=i0-unit]", label="县交通局")
    hq.fill("input[name=i0-due_on]", "2018-07-27")
    hq.get_by_role("button", name="保存会议纪要").click()
    hq.wait_for_load_state()
    assert "交办事项1件已进入问题台账" in hq.content()
    instruction = Instruction.objects.get(text="三天内完成通村道路资金拨付情况核查")
    assert instruction.case.number in hq.content()
    with hq.expect_download() as download:
        hq.get_by_role("link", name="下载会议纪要（Word）").click()
    document = Document(io.BytesIO(download.value.path().read_bytes()))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert any("三天内完成通村道路资金拨付情况核查" in cell for cell in cells)

    unit = site.login("jiaotong_reporter", PHONE)
    site.go(unit, "/reports/current/")
    section = unit.locator("#instructions").inner_text()
    assert re.search(r"本单位领导交办事项（\d+件未办结）", section)
    assert instruction.case.number in section
    site.shot(unit, "report-own-instructions-phone")
