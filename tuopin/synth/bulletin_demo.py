"""Demo data of the bulletin app: the published issues of past weeks and a draft of this week.

Runs after reports_demo. Each past week whose reporting deadline has passed is published as HQ
would have done it, with the clock frozen at that Friday four hours after the deadline, so the
issue's date, its as-of moment and its numbering (第1期, 第2期 …) read as they would have.
The current week gets a draft. Idempotent: weeks already published are skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from tuopin.bulletin.actions import publish_bulletin, published_original, save_draft
from tuopin.bulletin.models import Bulletin, BulletinSettings, Status
from tuopin.bulletin.weeks import Week
from tuopin.lib import clock
from tuopin.org.models import OrgUnit, Role, User
from tuopin.plan.models import Campaign

PUBLISH_DELAY = dt.timedelta(hours=4)


def populate(county: OrgUnit, *, seed: int, log: Callable[[str], None]) -> None:
    from tuopin.reports.models import Period

    now = clock.now()
    hq = User.objects.filter(role=Role.HQ_ADMIN, scope=county).order_by("id").first()
    for campaign in Campaign.objects.filter(county=county, is_active=True).order_by("id"):
        BulletinSettings.objects.get_or_create(
            campaign=campaign, defaults={"auto_publish": True, "publish_delay_minutes": 240}
        )
        published = 0
        for period in Period.objects.filter(campaign=campaign).order_by("deadline"):
            moment = period.deadline + PUBLISH_DELAY
            if moment > now:
                continue
            week = Week.of(clock.local(period.deadline).date())
            if published_original(campaign, week) is not None:
                continue
            with clock.frozen(moment):
                publish_bulletin(campaign, week, actor=hq, source="demo")
            published += 1
        current = Week.of(now.date())
        has_draft = Bulletin.objects.filter(
            campaign=campaign, week=str(current), status=Status.DRAFT
        ).exists()
        if published_original(campaign, current) is not None:
            state = "已发布"
        elif has_draft:
            state = "已有草稿"
        else:
            save_draft(campaign, current, actor=hq, source="demo")
            state = "草稿已生成"
        log(f"周通报：《{campaign.title}》发布 {published} 期，本周（{current}）{state}")
