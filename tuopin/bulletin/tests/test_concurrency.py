"""Publishers racing (threads, one database connection each; SQLite file or PostgreSQL)."""

from __future__ import annotations

import pytest

from tuopin.bulletin import actions
from tuopin.bulletin.models import Bulletin, Status
from tuopin.bulletin.tests import data
from tuopin.org.models import AuditEvent
from tuopin.org.testing import post_together, run_together

# Threads see only committed rows.
pytestmark = pytest.mark.django_db(transaction=True)
TIMES = 4  # each publisher renders charts and a .docx before it takes the lock


def test_a_week_published_four_times_at_once_is_published_once(campaign, world):
    responses = post_together(
        world.hq,
        "/api/bulletin/publish",
        {"campaign": campaign.pk, "week": data.WEEK},
        times=TIMES,
        at=data.NOW,
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * (TIMES - 1)
    refused = [r.json()["detail"] for r in responses if r.status_code == 409]
    assert all("已发布的通报不能修改" in detail for detail in refused)
    published = Bulletin.objects.get(status=Status.PUBLISHED)
    assert (published.week, published.number) == (data.WEEK, 1)
    assert AuditEvent.objects.filter(model="bulletin.bulletin", action="发布周通报").count() == 1


def test_two_weeks_published_at_once_get_two_numbers(campaign, world):
    outcomes = run_together(
        [
            lambda week=week: actions.publish_bulletin(campaign, week, actor=world.hq)
            for week in ("2018-W28", "2018-W29")
        ],
        at=data.NOW,
    )
    assert sorted(bulletin.number for bulletin in outcomes) == [1, 2]
    assert Bulletin.objects.filter(status=Status.PUBLISHED).count() == 2


def test_a_correction_issued_four_times_at_once_is_issued_once(campaign, world):
    original = actions.publish_bulletin(campaign, data.WEEK, actor=world.hq)
    outcomes = run_together(
        [lambda: actions.reissue_bulletin(original, reason="数据更正", actor=world.hq)] * TIMES,
        at=data.NOW,
    )
    issued = [o for o in outcomes if isinstance(o, Bulletin)]
    refused = [o for o in outcomes if isinstance(o, actions.BulletinError)]
    assert (len(issued), len(refused)) == (1, TIMES - 1), outcomes
    assert all("已有更正版" in str(error) for error in refused)
    assert Bulletin.objects.filter(replaces=original).count() == 1


def test_a_draft_composed_four_times_at_once_is_one_draft(campaign, world):
    outcomes = run_together(
        [lambda: actions.save_draft(campaign, data.WEEK, actor=world.hq)] * TIMES, at=data.NOW
    )
    assert all(isinstance(outcome, Bulletin) for outcome in outcomes), outcomes
    assert {outcome.pk for outcome in outcomes} == {
        Bulletin.objects.get(status=Status.DRAFT, week=data.WEEK).pk
    }
    assert AuditEvent.objects.filter(action="生成周通报草稿").count() == 1
