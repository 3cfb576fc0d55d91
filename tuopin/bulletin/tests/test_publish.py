from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from tuopin.bulletin import actions
from tuopin.bulletin.models import Bulletin, BulletinSettings, Status, content_hash
from tuopin.bulletin.weeks import WeekError
from tuopin.lib import clock, jobs
from tuopin.org.models import AuditEvent
from tuopin.plan.models import Measurement, Milestone
from tuopin.reports.models import Report, Timeliness


def test_it_freezes_a_published_issue_against_later_data_changes(campaign, world):
    bulletin = actions.publish_bulletin(campaign, "2018-W29", actor=world.hq)
    assert (bulletin.status, bulletin.number, bulletin.version) == (Status.PUBLISHED, 1, 1)
    assert bulletin.snapshot["number_label"] == "第1期"
    assert bulletin.content_hash == content_hash(bulletin.snapshot)
    assert bulletin.docx_hash == hashlib.sha256(bytes(bulletin.docx)).hexdigest()
    frozen_snapshot = bulletin.snapshot
    frozen_docx = bytes(bulletin.docx)

    # The data under it changes: a missing unit signs, a value jumps, a milestone is completed.
    report = Report.objects.get(period__number=6, unit=world.dongfeng_unit)
    report.timeliness = Timeliness.LATE
    report.first_signed_at = clock.now()
    report.save(update_fields=["timeliness", "first_signed_at"])
    roads = Milestone.objects.get(action__campaign=campaign, action__number=19)
    Measurement.objects.create(
        milestone=roads, unit=world.transport, value=Decimal(100), measured_at=clock.now()
    )
    Milestone.objects.filter(pk=roads.pk).update(completed_at=clock.now())

    stored = Bulletin.objects.get(pk=bulletin.pk)
    assert stored.snapshot == frozen_snapshot
    assert bytes(stored.docx) == frozen_docx
    assert stored.verify()
    assert stored.snapshot["timeliness"]["missing"] == ["东风镇"]
    # A fresh composition does see the change.
    from tuopin.bulletin.compose import compose

    fresh = compose(campaign, "2018-W29")
    assert fresh["timeliness"]["missing"] == []
    assert content_hash(fresh) != stored.content_hash


def test_it_numbers_issues_in_order_and_refuses_a_second_publication(campaign, world):
    first = actions.publish_bulletin(campaign, "2018-W27", actor=world.hq)
    second = actions.publish_bulletin(campaign, "2018-W28", actor=world.hq)
    assert (first.number, second.number) == (1, 2)
    with pytest.raises(
        actions.BulletinError, match="已发布的通报不能修改，如需更正请使用“更正重发”"
    ):
        actions.publish_bulletin(campaign, "2018-W28", actor=world.hq)
    assert Bulletin.objects.filter(status=Status.PUBLISHED).count() == 2
    events = AuditEvent.objects.filter(model="bulletin.bulletin", action="发布周通报")
    assert events.count() == 2
    assert events.order_by("at", "id").first().actor == world.hq


def test_it_starts_numbering_from_the_setting(campaign, world):
    BulletinSettings.objects.create(campaign=campaign, first_number=12)
    assert actions.publish_bulletin(campaign, "2018-W29", actor=world.hq).number == 12


def test_it_turns_the_weeks_draft_into_the_issue(campaign, world):
    draft = actions.save_draft(campaign, "2018-W29", actor=world.hq)
    assert (draft.status, draft.number, draft.docx) == (Status.DRAFT, None, None)
    again = actions.save_draft(campaign, "2018-W29", actor=world.hq)
    assert again.pk == draft.pk
    published = actions.publish_bulletin(campaign, "2018-W29", actor=world.hq)
    assert published.pk == draft.pk
    assert Bulletin.objects.count() == 1


def test_it_reissues_a_correction_that_names_what_it_replaces(campaign, world):
    original = actions.publish_bulletin(campaign, "2018-W29", actor=world.hq)
    original_hash = original.content_hash
    with pytest.raises(actions.BulletinError, match="请填写更正原因"):
        actions.reissue_bulletin(original, reason="  ", actor=world.hq)
    corrected = actions.reissue_bulletin(original, reason="东风镇周报补录", actor=world.hq)
    assert (corrected.number, corrected.version, corrected.replaces_id) == (1, 2, original.pk)
    assert corrected.number_label == "第1期（更正版1）"
    assert corrected.snapshot["replaces"] == {
        "id": original.pk,
        "number_label": "第1期",
        "week": "2018-W29",
        "content_hash": original_hash,
        "reason": "东风镇周报补录",
    }
    original.refresh_from_db()
    assert original.content_hash == original_hash and original.verify()
    with pytest.raises(actions.BulletinError, match="已有更正版"):
        actions.reissue_bulletin(original, reason="再改", actor=world.hq)
    # The next week is still number 2.
    with clock.frozen("2018-07-27T16:00:00+08:00"):
        assert actions.publish_bulletin(campaign, "2018-W30", actor=world.hq).number == 2


def test_it_allows_only_publishers(campaign, world):
    for user in (world.viewer, world.leader, world.head, world.cadre):
        with pytest.raises(PermissionDenied):
            actions.publish_bulletin(campaign, "2018-W29", actor=user)
        with pytest.raises(PermissionDenied):
            actions.save_draft(campaign, "2018-W29", actor=user)
    assert Bulletin.objects.count() == 0


def test_it_refuses_weeks_outside_the_campaign(campaign, world):
    with pytest.raises(WeekError, match="已超出作战计划"):
        actions.publish_bulletin(campaign, "2018-W50", actor=world.hq)
    with pytest.raises(WeekError, match="格式不正确"):
        actions.publish_bulletin(campaign, "第30周", actor=world.hq)
    assert Bulletin.objects.count() == 0


def _job():
    return next(job for job in jobs.all_jobs() if job.name == "bulletin.auto_publish")


def test_it_auto_publishes_after_the_deadline_once(campaign):
    friday_noon = dt.datetime(2018, 7, 20, 12, 0, tzinfo=clock.SHANGHAI)
    assert _job().run(friday_noon + dt.timedelta(hours=5)) == 0  # setting off
    BulletinSettings.objects.create(campaign=campaign, auto_publish=True, publish_delay_minutes=240)
    assert _job().run(friday_noon + dt.timedelta(minutes=239)) == 0  # too early
    assert _job().run(friday_noon + dt.timedelta(minutes=240)) == 1
    assert _job().run(friday_noon + dt.timedelta(minutes=300)) == 0  # idempotent
    bulletin = Bulletin.objects.get()
    assert (bulletin.week, bulletin.number, bulletin.published_by) == ("2018-W29", 1, None)
    assert BulletinSettings.objects.get().last_auto_week == "2018-W29"
    event = AuditEvent.objects.get(model="bulletin.bulletin")
    assert (event.source, event.actor) == ("worker", None)


def test_it_does_not_auto_publish_a_week_already_published_by_hand(campaign, world):
    actions.publish_bulletin(campaign, "2018-W29", actor=world.hq)
    BulletinSettings.objects.create(campaign=campaign, auto_publish=True, publish_delay_minutes=0)
    assert _job().run(clock.now()) == 0
    assert Bulletin.objects.count() == 1


def test_it_releases_the_claim_when_publishing_fails(campaign, monkeypatch):
    BulletinSettings.objects.create(campaign=campaign, auto_publish=True, publish_delay_minutes=0)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(actions, "publish_bulletin", broken)
    with pytest.raises(RuntimeError):
        actions.auto_publish_due(clock.now())
    assert BulletinSettings.objects.get().last_auto_week == ""


def test_it_redoes_the_work_when_another_publisher_took_the_number(campaign, world, monkeypatch):
    from tuopin.bulletin import compose as compose_module

    real = compose_module.compose
    calls = []

    def compose_while_someone_else_publishes(campaign_, week, **kwargs):
        calls.append(str(week))
        if len(calls) == 1:  # between our composing and our transaction, W28 gets number 1
            monkeypatch.setattr(actions, "compose", real)
            actions.publish_bulletin(campaign, "2018-W28", actor=world.hq)
            monkeypatch.setattr(actions, "compose", compose_while_someone_else_publishes)
        return real(campaign_, week, **kwargs)

    monkeypatch.setattr(actions, "compose", compose_while_someone_else_publishes)
    bulletin = actions.publish_bulletin(campaign, "2018-W29", actor=world.hq)
    assert calls == ["2018-W29", "2018-W29"]
    assert (bulletin.number, bulletin.snapshot["number_label"]) == (2, "第2期")
    assert sorted(Bulletin.objects.values_list("week", "number")) == [
        ("2018-W28", 1),
        ("2018-W29", 2),
    ]
