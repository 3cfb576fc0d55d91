from __future__ import annotations

from tuopin.bulletin.models import Bulletin, BulletinSettings, Status
from tuopin.synth import bulletin_demo


def test_it_publishes_past_weeks_once_and_drafts_this_week(campaign, world, frozen_clock):
    messages: list[str] = []
    with frozen_clock("2018-07-20T10:00:00+08:00"):
        bulletin_demo.populate(world.county, seed=1, log=messages.append)
    published = list(Bulletin.objects.filter(status=Status.PUBLISHED).order_by("number"))
    assert [(b.number, b.week) for b in published] == [
        (1, "2018-W24"),
        (2, "2018-W25"),
        (3, "2018-W26"),
        (4, "2018-W27"),
        (5, "2018-W28"),
    ]
    assert published[0].published_at.isoformat() == "2018-06-15T08:00:00+00:00"
    assert all(b.published_by == world.hq and b.verify() for b in published)
    assert published[1].snapshot["changes"]["previous"]["number"] == 1
    draft = Bulletin.objects.get(status=Status.DRAFT)
    assert draft.week == "2018-W29"
    assert BulletinSettings.objects.get().auto_publish is True
    hashes = sorted(Bulletin.objects.values_list("content_hash", flat=True))
    with frozen_clock("2018-07-20T10:00:00+08:00"):
        bulletin_demo.populate(world.county, seed=1, log=messages.append)
    assert sorted(Bulletin.objects.values_list("content_hash", flat=True)) == hashes
    assert (
        messages[-1]
        == "周通报：《陇县脱贫“摘帽”百日冲刺工作方案》发布 0 期，本周（2018-W29）已有草稿"
    )
