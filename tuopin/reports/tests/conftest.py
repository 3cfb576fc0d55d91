"""A small campaign on the test world: two actions, milestones with targets, Friday 12:00."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from tuopin.lib import clock
from tuopin.plan.models import Action, Campaign, Milestone
from tuopin.reports import actions
from tuopin.reports.models import Period, Report
from tuopin.reports.periods import ensure_periods, rule_for
from tuopin.reports.tests.servers import smtp_server, webhook_server

# Friday 2018-07-20, the demo's week; the campaign was issued Monday 2018-06-11.
FRIDAY = dt.date(2018, 7, 20)
THURSDAY_NOON = clock.at(dt.date(2018, 7, 19), 12, 0)
FRIDAY_TEN = "2018-07-20T10:00:00+08:00"  # the demo's moment, two hours before the deadline


@dataclass
class Setup:
    campaign: Campaign
    roads: Action
    health_action: Action
    road_km: Milestone
    road_share: Milestone
    clinics: Milestone
    period: Period  # the week due Friday 2018-07-20 12:00

    def report(self, unit) -> Report:
        return Report.objects.get(period=self.period, unit=unit)


def values_for(setup: Setup, km="12.5", share="80", progress="本周完成路面硬化3公里") -> dict:
    return {
        "actions": [
            {
                "action": setup.roads.pk,
                "progress": progress,
                "problems": "资金拨付滞后",
                "suggestions": "请财政局加快拨付",
                "milestones": [
                    {"milestone": setup.road_km.pk, "value": km, "status": "in_progress"},
                    {"milestone": setup.road_share.pk, "value": share, "status": "in_progress"},
                ],
            }
        ]
    }


@pytest.fixture
def setup(world) -> Setup:
    return build_setup(world)


def build_setup(world) -> Setup:
    """The campaign and the week due Friday 2018-07-20 (also used by the bad-file corpus)."""
    campaign = Campaign.objects.create(
        title="陇县脱贫攻坚百日冲刺工作方案",
        county=world.county,
        issued_on=dt.date(2018, 6, 11),
        created_at=clock.at(dt.date(2018, 6, 11), 9),
    )
    roads = Action.objects.create(campaign=campaign, number=13, title="交通路网提升专项行动")
    roads.units.set([world.transport, world.chengguan_unit, world.dongfeng_unit])
    roads.leaders.set([world.leader.person])
    health_action = Action.objects.create(campaign=campaign, number=7, title="健康扶贫专项行动")
    health_action.units.set([world.health])
    deadline = clock.at(dt.date(2018, 8, 31), 23, 59)
    road_km = Milestone.objects.create(
        action=roads,
        deadline=deadline,
        text="完成通村道路硬化40公里",
        target_value=Decimal("40"),
        target_unit="公里",
        order=1,
    )
    road_share = Milestone.objects.create(
        action=roads,
        deadline=deadline,
        text="贫困村通硬化路比例达到100%",
        target_value=Decimal("100"),
        target_unit="%",
        order=2,
    )
    clinics = Milestone.objects.create(
        action=health_action,
        deadline=deadline,
        text="标准化村卫生室全覆盖",
        target_value=Decimal("62"),
        target_unit="个",
        order=1,
    )
    ensure_periods(campaign, THURSDAY_NOON)
    period = Period.objects.get(campaign=campaign, deadline=clock.at(FRIDAY, 12))
    return Setup(campaign, roads, health_action, road_km, road_share, clinics, period)


@pytest.fixture
def mail(settings):
    """A loopback SMTP server the reminders are sent to; ``mail.messages`` reads them back."""
    with smtp_server() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.server_address[1]
        settings.EMAIL_USE_TLS = False
        yield server


@pytest.fixture
def hook(setup):
    """A loopback group-robot webhook set on the campaign; ``hook.bodies`` reads them back."""
    with webhook_server() as server:
        rule = rule_for(setup.campaign)
        rule.webhook_url = f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send?key=t"
        rule.save()
        yield server


def give_emails(world) -> None:
    for user in (world.reporter, world.head, world.other_reporter, world.town_head):
        user.email = f"{user.username}@longxian.gov.cn"
        user.save(update_fields=["email"])


@pytest.fixture
def friday(setup, world):
    """Friday 10:00: 交通局 signed, 卫计局 waits for its head, 城关镇 has a draft, 东风镇 nothing."""
    with clock.frozen("2018-07-19T09:00:00+08:00"):
        transport = setup.report(world.transport)
        actions.save_report(world.reporter, transport, values_for(setup), revision=None)
        actions.submit_report(world.reporter, transport, revision=None)
        actions.sign_report(world.head, transport, revision=None)
        health = setup.report(world.health)
        health_values = {
            "actions": [
                {
                    "action": setup.health_action.pk,
                    "progress": "完成卫生室验收2个",
                    "milestones": [
                        {"milestone": setup.clinics.pk, "value": "20", "status": "in_progress"}
                    ],
                }
            ]
        }
        actions.save_report(world.other_reporter, health, health_values, revision=None)
        actions.submit_report(world.other_reporter, health, revision=None)
        town = setup.report(world.chengguan_unit)
        actions.save_report(world.town_reporter, town, {"actions": []}, revision=None)
    with clock.frozen(FRIDAY_TEN):
        yield setup
