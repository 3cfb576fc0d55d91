"""State changes of bulletins: save or delete a draft, publish, publish a correction, auto-publish.

Composing and rendering the document are slow and read-only, so they run before the
transaction; the transaction then locks the campaign row, checks that nothing moved (the number
is still the next one, the week still unpublished) and writes the frozen row with its audit
event. If another publisher got there first the work is redone with the new number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from tuopin.bulletin.compose import check_week, compose, refuse_future
from tuopin.bulletin.docx import render_docx
from tuopin.bulletin.models import Bulletin, BulletinSettings, Status, content_hash
from tuopin.bulletin.weeks import Week, WeekError
from tuopin.bulletin.wording import chinese_date
from tuopin.lib import clock
from tuopin.org import audit
from tuopin.org.access import require
from tuopin.plan.models import Campaign

log = logging.getLogger("tuopin.bulletin")
ATTEMPTS = 3


class BulletinError(ValueError):
    """A publishing request that cannot be done; the message says why in Chinese."""


def _require(actor, campaign: Campaign) -> None:
    if actor is not None:  # None: the worker acting on HQ's standing instruction
        require(actor, "bulletin.publish", campaign)


def _title(campaign: Campaign) -> str:
    return BulletinSettings.for_campaign(campaign).title


def current_or_past_week(campaign: Campaign, week: Week | str) -> Week:
    """The week, refused in Chinese when malformed, outside the campaign or not yet begun."""
    week = check_week(campaign, week)
    refuse_future(week, clock.now())
    return week


def save_draft(campaign: Campaign, week: Week | str, *, actor, source: str = "web") -> Bulletin:
    """Compose the week from live data into the week's draft (created or refreshed)."""
    _require(actor, campaign)
    week = current_or_past_week(campaign, week)
    now = clock.now()
    snapshot = compose(campaign, week, now=now)
    digest = content_hash(snapshot)
    with transaction.atomic():
        # The campaign row, not the draft: a week without a draft has no row to lock, and two
        # composers would both create one.
        _lock_campaign(campaign)
        draft = (
            Bulletin.objects.select_for_update()
            .filter(campaign=campaign, week=str(week), status=Status.DRAFT)
            .first()
        )
        if draft is None:
            draft = Bulletin.objects.create(
                campaign=campaign,
                week=str(week),
                status=Status.DRAFT,
                title=snapshot["title"],
                snapshot=snapshot,
                content_hash=digest,
                composed_at=now,
                composed_by=actor,
            )
            audit.record(
                draft,
                {"week": [None, str(week)]},
                actor=actor,
                action="生成周通报草稿",
                source=source,
            )
        elif draft.content_hash != digest:
            old = draft.content_hash
            draft.snapshot, draft.content_hash, draft.title = snapshot, digest, snapshot["title"]
            draft.composed_at, draft.composed_by = now, actor
            draft.save(
                update_fields=["snapshot", "content_hash", "title", "composed_at", "composed_by"]
            )
            audit.record(
                draft,
                {"content_hash": [old, digest]},
                actor=actor,
                action="刷新周通报草稿",
                source=source,
            )
    return draft


def delete_draft(draft: Bulletin, *, actor, source: str = "web") -> None:
    """Delete a draft (it can be composed again any time); a published issue is never deleted."""
    _require(actor, draft.campaign)
    with transaction.atomic():
        locked = Bulletin.objects.select_for_update().filter(pk=draft.pk).first()
        if locked is None:
            raise BulletinError(f"{draft.week} 的草稿已被删除")
        if locked.is_published:
            raise BulletinError(
                f"{locked.number_label}（{locked.week}）已发布，已发布的通报不能删除；"
                "如内容有误，请使用“更正重发”，原通报保留备查"
            )
        audit.record(
            locked,
            {"week": [locked.week, None], "content_hash": [locked.content_hash, None]},
            actor=actor,
            action="删除周通报草稿",
            source=source,
        )
        locked.delete()


def next_number(campaign: Campaign) -> int:
    highest = Bulletin.objects.filter(campaign=campaign, status=Status.PUBLISHED).aggregate(
        top=Max("number")
    )["top"]
    if highest is None:
        return BulletinSettings.for_campaign(campaign).first_number
    return highest + 1


def _freeze(
    snapshot: dict[str, Any],
    *,
    number: int,
    version: int,
    now: dt.datetime,
    replaces=None,
    reason="",
) -> tuple[dict[str, Any], str, bytes]:
    frozen = dict(snapshot)
    frozen["number"] = number
    frozen["version"] = version
    frozen["number_label"] = f"第{number}期" if version == 1 else f"第{number}期（更正版）"
    frozen["date"] = clock.local(now).date().isoformat()
    frozen["published_at"] = clock.local(now).isoformat()
    if replaces is not None:
        frozen["replaces"] = {
            "id": replaces.pk,
            "number_label": replaces.number_label,
            "week": replaces.week,
            "content_hash": replaces.content_hash,
            "reason": reason,
        }
    digest = content_hash(frozen)
    return frozen, digest, render_docx(frozen)


def _lock_campaign(campaign: Campaign) -> None:
    list(Campaign.objects.select_for_update().filter(pk=campaign.pk).values_list("pk", flat=True))


def published_original(campaign: Campaign, week: Week) -> Bulletin | None:
    return Bulletin.objects.filter(
        campaign=campaign, week=str(week), status=Status.PUBLISHED, replaces__isnull=True
    ).first()


def publish_bulletin(
    campaign: Campaign, week: Week | str, *, actor, source: str = "web"
) -> Bulletin:
    """Freeze the week's bulletin: number, snapshot, content hash and .docx, never changed again."""
    _require(actor, campaign)
    week = current_or_past_week(campaign, week)
    for _attempt in range(ATTEMPTS):
        existing = published_original(campaign, week)
        if existing is not None:
            when = clock.local(existing.published_at)
            raise BulletinError(
                f"{week} 的周通报已于{chinese_date(when.date())}{when:%H:%M}发布为"
                f"{existing.number_label}：已发布的通报不能修改，如需更正请使用“更正重发”"
            )
        now = clock.now()
        number = next_number(campaign)
        snapshot, digest, document = _freeze(
            compose(campaign, week, now=now), number=number, version=1, now=now
        )
        try:
            with transaction.atomic():
                _lock_campaign(campaign)
                if next_number(campaign) != number or published_original(campaign, week):
                    continue
                values = {
                    "status": Status.PUBLISHED,
                    "number": number,
                    "version": 1,
                    "title": snapshot["title"],
                    "snapshot": snapshot,
                    "content_hash": digest,
                    "composed_at": now,
                    "composed_by": actor,
                    "published_at": now,
                    "published_by": actor,
                    "docx": document,
                    "docx_hash": _sha256(document),
                }
                draft = (
                    Bulletin.objects.select_for_update()
                    .filter(campaign=campaign, week=str(week), status=Status.DRAFT)
                    .first()
                )
                if draft is None:
                    bulletin = Bulletin.objects.create(campaign=campaign, week=str(week), **values)
                else:
                    bulletin = draft
                    for field, value in values.items():
                        setattr(bulletin, field, value)
                    bulletin.save(update_fields=list(values))
                audit.record(
                    bulletin,
                    {"number": [None, number], "content_hash": [None, digest]},
                    actor=actor,
                    action="发布周通报",
                    source=source,
                    note=f"{bulletin.number_label} {week}",
                )
                return bulletin
        except IntegrityError:
            continue  # another publisher took the number or the week: look again
    raise BulletinError(f"{week} 的周通报发布时与其他操作冲突，请稍后重试")


def check_reissue(original: Bulletin, reason: str) -> str:
    """The cleaned correction reason, or a Chinese refusal (asked before the confirmation too)."""
    reason = (reason or "").strip()
    if not original.is_published:
        raise BulletinError("只有已发布的通报才能更正重发；草稿请直接刷新后发布")
    if not reason:
        raise BulletinError("请填写更正原因（例如：某单位周报签字后更正，数据有变化）")
    if len(reason) > 500:
        raise BulletinError(f"更正原因有 {len(reason)} 字，超过 500 字上限，请精简")
    if Bulletin.objects.filter(replaces=original).exists():
        raise BulletinError(f"{original.number_label}已有更正版，请对最新版本进行更正")
    return reason


def reissue_bulletin(original: Bulletin, *, reason: str, actor, source: str = "web") -> Bulletin:
    """Publish a corrected version of a published issue; the original stays as it was."""
    campaign = original.campaign
    _require(actor, campaign)
    reason = check_reissue(original, reason)
    week = Week.parse(original.week)
    now = clock.now()
    snapshot, digest, document = _freeze(
        compose(campaign, week, now=now),
        number=original.number,
        version=original.version + 1,
        now=now,
        replaces=original,
        reason=reason,
    )
    try:
        with transaction.atomic():
            _lock_campaign(campaign)
            if Bulletin.objects.filter(replaces=original).exists():
                raise BulletinError(f"{original.number_label}已有更正版，请对最新版本进行更正")
            bulletin = Bulletin.objects.create(
                campaign=campaign,
                week=original.week,
                status=Status.PUBLISHED,
                number=original.number,
                version=original.version + 1,
                title=snapshot["title"],
                snapshot=snapshot,
                content_hash=digest,
                composed_at=now,
                composed_by=actor,
                published_at=now,
                published_by=actor,
                replaces=original,
                correction_reason=reason,
                docx=document,
                docx_hash=_sha256(document),
            )
            audit.record(
                bulletin,
                {"replaces": [None, original.number_label], "content_hash": [None, digest]},
                actor=actor,
                action="更正重发周通报",
                source=source,
                note=reason,
            )
    except IntegrityError:
        raise BulletinError(f"{original.number_label}已有更正版，请对最新版本进行更正") from None
    return bulletin


def update_settings(campaign: Campaign, values: dict[str, Any], *, actor, source: str = "web"):
    _require(actor, campaign)
    with transaction.atomic():
        row, _created = BulletinSettings.objects.select_for_update().get_or_create(
            campaign=campaign
        )
        return audit.apply_changes(row, values, actor=actor, action="修改周通报设置", source=source)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def auto_publish_due(now: dt.datetime) -> int:
    """Worker job: publish this week's bulletin once its deadline (plus the delay) has passed.

    Only for campaigns whose HQ turned ``auto_publish`` on. Claimed with a conditional UPDATE of
    ``last_auto_week`` so two workers never both publish; a failure releases the claim.
    """
    done = 0
    rows = BulletinSettings.objects.filter(
        auto_publish=True, campaign__is_active=True
    ).select_related("campaign")
    for row in rows:
        campaign = row.campaign
        week = Week.of(clock.local(now).date())
        reporting_time = campaign.reporting_time
        if isinstance(reporting_time, str):
            reporting_time = dt.time.fromisoformat(reporting_time)
        due = week.deadline(campaign.reporting_weekday, reporting_time) + dt.timedelta(
            minutes=row.publish_delay_minutes
        )
        if now < due or row.last_auto_week == str(week):
            continue
        try:
            check_week(campaign, week)
        except WeekError:
            continue
        if published_original(campaign, week) is not None:
            continue
        previous = row.last_auto_week
        claimed = BulletinSettings.objects.filter(pk=row.pk, last_auto_week=previous).update(
            last_auto_week=str(week)
        )
        if claimed != 1:
            continue
        try:
            publish_bulletin(campaign, week, actor=None, source="worker")
            done += 1
        except BulletinError:
            log.info("bulletin %s for campaign %s already published", week, campaign.pk)
        except Exception:
            BulletinSettings.objects.filter(pk=row.pk, last_auto_week=str(week)).update(
                last_auto_week=previous
            )
            raise
    return done
