"""Every change to the village teams and checks, by name; views, the API, commands and the demo
call these. Each checks the actor's capability and place, runs in one transaction and records
its history (org AuditEvent); a refused change raises :class:`Refused` (bad input) or
``PermissionDenied`` (wrong role or place) with a Chinese message and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max

from tuopin.cases import actions as case_actions
from tuopin.cases.models import OPEN_STATES, Case, Kind, Source, State
from tuopin.lib import clock
from tuopin.lib.plain_names import name_problem
from tuopin.org import audit
from tuopin.org.access import can, require
from tuopin.org.models import Level, OrgUnit, ResponsibleUnit, UnitKind
from tuopin.villages.codes import (
    ABSENCE_WINDOW_DAYS,
    ABSENCES_FOR_CASE,
    MULTI_VILLAGE,
    Absence,
    CheckKind,
    ItemMode,
    Target,
    Team,
    TrainingKind,
)
from tuopin.villages.models import (
    ChecklistInspection,
    ChecklistItem,
    ChecklistTemplate,
    Commendation,
    ItemResult,
    PresenceCheck,
    PresenceEntry,
    TeamMember,
    TrainingAttendance,
    TrainingSession,
)

RECTIFY_DAYS = 15  # working time a failed item gets before its 整改 case is overdue
MEMBER_FIELDS = ("team", "name", "unit", "role", "phone", "started_on", "ended_on")


class Refused(ValueError):
    pass


# ---------------------------------------------------------------------------------------------
# The roster


def _village(place: OrgUnit | None) -> OrgUnit:
    if place is None or place.level != Level.VILLAGE:
        raise Refused("请选择一个村")
    return place


def _text(value: str, what: str, limit: int, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Refused(f"请填写{what}")
    if len(value) > limit:
        raise Refused(f"{what}过长（最多 {limit} 个字符）")
    if value and (problem := name_problem(value)):
        raise Refused(f"{what}：{problem}")
    return value


def _phone(value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise Refused("请填写手机号码")
    if len(value) > 20 or not all(c.isdigit() or c == "-" for c in value):
        raise Refused("手机号码只能由数字和“-”组成，最长20位")
    return value


def member_conflict(
    village: OrgUnit,
    team: str,
    phone: str,
    started_on: dt.date,
    ended_on: dt.date | None,
    *,
    exclude: int | None = None,
) -> TeamMember | None:
    """Another village's term of the same person (by phone) overlapping this one, unless both
    teams allow serving several villages (帮扶干部)."""
    others = (
        TeamMember.objects.filter(phone=phone).exclude(village=village).select_related("village")
    )
    if exclude is not None:
        others = others.exclude(pk=exclude)
    for other in others:
        if team in MULTI_VILLAGE and other.team in MULTI_VILLAGE:
            continue
        overlaps = (other.ended_on is None or other.ended_on > started_on) and (
            ended_on is None or ended_on > other.started_on
        )
        if overlaps:
            return other
    return None


def conflict_reason(other: TeamMember) -> str:
    return (
        f"此人（同一手机号）同期已在{other.village.name}的{other.get_team_display()}中，"
        "除帮扶干部外不能同时在两个村的队伍任职；请先登记其离岗日期"
    )


def clean_member(village: OrgUnit, values: Mapping, *, exclude: int | None = None) -> dict:
    """The checked fields of a term in a village's team (raises :class:`Refused`)."""
    team = values.get("team") or ""
    if team not in Team.values:
        raise Refused(f"队伍类别应为：{'、'.join(Team.labels)}")
    cleaned = {
        "team": team,
        "name": _text(values.get("name", ""), "姓名", 50, required=True),
        "unit": _text(values.get("unit", ""), "派出单位", 100),
        "role": _text(values.get("role", ""), "职务", 50),
        "phone": _phone(values.get("phone", "")),
        "started_on": values.get("started_on"),
        "ended_on": values.get("ended_on"),
    }
    if any(c.isdigit() for c in cleaned["name"]):
        raise Refused("姓名中不应有数字")
    if cleaned["started_on"] is None:
        raise Refused("请填写到岗日期")
    if cleaned["started_on"] > clock.today():
        raise Refused(f"到岗日期 {cleaned['started_on']} 晚于今天")
    if cleaned["ended_on"] is not None and cleaned["ended_on"] < cleaned["started_on"]:
        raise Refused(f"离岗日期 {cleaned['ended_on']} 早于到岗日期 {cleaned['started_on']}")
    other = member_conflict(
        village,
        team,
        cleaned["phone"],
        cleaned["started_on"],
        cleaned["ended_on"],
        exclude=exclude,
    )
    if other is not None:
        raise Refused(conflict_reason(other))
    return cleaned


def add_member(actor, village: OrgUnit, values: Mapping, *, source: str = "web") -> TeamMember:
    village = _village(village)
    require(actor, "villages.roster", village)
    now = clock.now()
    with transaction.atomic():
        cleaned = clean_member(village, values)
        member = TeamMember.objects.create(
            village=village, **cleaned, created_at=now, updated_at=now
        )
        audit.record(member, actor=actor, action="登记队伍成员", source=source)
    return member


def change_member(actor, member: TeamMember, values: Mapping, *, source: str = "web"):
    require(actor, "villages.roster", member)
    with transaction.atomic():
        member = TeamMember.objects.select_for_update().select_related("village").get(pk=member.pk)
        cleaned = clean_member(member.village, values, exclude=member.pk)
        diff = {
            name: [_shown(getattr(member, name)), _shown(value)]
            for name, value in cleaned.items()
            if getattr(member, name) != value
        }
        if not diff:
            return member
        for name, value in cleaned.items():
            setattr(member, name, value)
        member.updated_at = clock.now()
        member.save()
        audit.record(member, diff, actor=actor, action="修改队伍成员", source=source)
    return member


def _shown(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def team_counts(villages: Iterable[OrgUnit], on: dt.date) -> dict[int, dict[str, int]]:
    """Members in post per village and team (one grouped query)."""
    from django.db.models import Count

    counts: dict[int, dict[str, int]] = {}
    rows = (
        TeamMember.objects.in_post(on)
        .filter(village__in=list(villages))
        .values("village_id", "team")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts.setdefault(row["village_id"], {})[row["team"]] = row["n"]
    return counts


def missing(counts: Mapping[str, int]) -> list[str]:
    """What a village's team lacks, in words (empty when complete)."""
    from tuopin.villages.codes import REQUIRED

    gaps = []
    for team, needed in REQUIRED.items():
        have = counts.get(team, 0)
        if have < needed:
            gaps.append(f"{team.label}缺{needed - have}人")
    return gaps


# ---------------------------------------------------------------------------------------------
# Presence checks


@dataclass
class Presence:
    member: TeamMember
    present: bool
    reason: str = ""


def record_presence(
    actor,
    village: OrgUnit,
    *,
    kind: str,
    checked_on: dt.date,
    inspectors: str,
    entries: Iterable[Presence],
    note: str = "",
    source: str = "web",
) -> PresenceCheck:
    """A 常规督查/随机抽查/暗访 of a village's team: every member in post present or absent.

    The second unexcused (无故) absence of a member within 30 days opens one 纪律问题 case."""
    village = _village(village)
    require(actor, "villages.check", village)
    if kind not in CheckKind.values:
        raise Refused(f"检查方式应为：{'、'.join(CheckKind.labels)}")
    if checked_on is None or checked_on > clock.today():
        raise Refused(f"检查日期 {checked_on or ''} 晚于今天，请核对")
    inspectors = _text(inspectors, "检查人员", 200, required=True)
    entries = list(entries)
    if not entries:
        raise Refused("该村没有在岗的队伍成员，无法记录在岗检查")
    seen: set[int] = set()
    for entry in entries:
        if entry.member.village_id != village.pk or not entry.member.in_post(checked_on):
            raise Refused(f"{entry.member.name} 在检查日期不是本村在岗的队伍成员")
        if entry.member.pk in seen:
            raise Refused(f"{entry.member.name} 重复填写")
        seen.add(entry.member.pk)
        if entry.present:
            entry.reason = ""
        elif entry.reason not in Absence.values:
            raise Refused(f"请选择{entry.member.name}的缺岗原因：{'、'.join(Absence.labels)}")
    with transaction.atomic():
        check = PresenceCheck.objects.create(
            village=village,
            kind=kind,
            checked_on=checked_on,
            inspectors=inspectors,
            note=(note or "").strip(),
            recorded_by=actor,
            recorded_at=clock.now(),
        )
        rows = PresenceEntry.objects.bulk_create(
            [
                PresenceEntry(
                    presence_check=check, member=e.member, present=e.present, reason=e.reason
                )
                for e in entries
            ]
        )
        audit.record(
            check,
            {"在岗": [None, sum(e.present for e in entries)], "应在岗": [None, len(entries)]},
            actor=actor,
            action="在岗检查",
            source=source,
        )
        for row in rows:
            if not row.present and row.reason == Absence.NONE:
                _discipline(actor, check, row, source)
    return check


def _discipline(actor, check: PresenceCheck, entry: PresenceEntry, source: str) -> None:
    """Open a 纪律问题 case when this unexcused absence is the member's second in 30 days and
    none of those absences has opened one already."""
    first = check.checked_on - dt.timedelta(days=ABSENCE_WINDOW_DAYS - 1)
    window = PresenceEntry.objects.filter(
        member=entry.member,
        present=False,
        reason=Absence.NONE,
        presence_check__checked_on__gte=first,
        presence_check__checked_on__lte=check.checked_on,
    )
    if window.count() < ABSENCES_FOR_CASE or window.exclude(case=None).exists():
        return
    days = sorted(window.values_list("presence_check__checked_on", flat=True))
    member = entry.member
    case = case_actions.register_case(
        actor,
        kind=Kind.DISCIPLINE,
        source=Source.UNANNOUNCED if check.kind == CheckKind.UNANNOUNCED else Source.INSPECTION,
        title=f"{member.get_team_display()}{member.name}无故不在岗",
        content=(
            f"{check.village.name}{member.get_team_display()}{member.name}（{member.unit}）"
            f"在 {'、'.join(f'{d:%m月%d日}' for d in days)} 的在岗检查中无故不在岗，"
            f"{ABSENCE_WINDOW_DAYS}天内{len(days)}次。"
        ),
        org_unit=check.village,
        subject=member.name,
        origin=source,
    )
    window.update(case=case)


def attendance(entries) -> tuple[int, int]:
    """(present, checked) of a queryset of presence entries."""
    from django.db.models import Count, Q

    found = entries.aggregate(n=Count("pk"), p=Count("pk", filter=Q(present=True)))
    return found["p"], found["n"]


# ---------------------------------------------------------------------------------------------
# Training and commendations


def record_training(
    actor,
    *,
    held_on: dt.date,
    topic: str,
    kind: str,
    place: OrgUnit,
    members: Iterable[TeamMember],
    source: str = "web",
) -> TrainingSession:
    require(actor, "villages.roster", place)
    if kind not in TrainingKind.values:
        raise Refused(f"培训类别应为：{'、'.join(TrainingKind.labels)}")
    if held_on is None or held_on > clock.today():
        raise Refused(f"培训日期 {held_on or ''} 晚于今天，请核对")
    topic = _text(topic, "培训主题", 200, required=True)
    members = list(members)
    for member in members:
        if not can(actor, "villages.roster", member):
            raise PermissionDenied(f"{member.name}不在您的管辖范围内")
    with transaction.atomic():
        session, created = TrainingSession.objects.get_or_create(
            held_on=held_on,
            topic=topic,
            defaults={"kind": kind, "place": place, "created_at": clock.now()},
        )
        have = set(session.attendance.values_list("member_id", flat=True))
        new = [m for m in members if m.pk not in have]
        TrainingAttendance.objects.bulk_create(
            [TrainingAttendance(session=session, member=m) for m in new]
        )
        audit.record(
            session,
            {"参训人数": [len(have), len(have) + len(new)]},
            actor=actor,
            action="登记培训" if created else "补登参训",
            source=source,
        )
    return session


def commend(
    actor, member: TeamMember, *, title: str, awarded_on: dt.date, awarded_by: str = ""
) -> Commendation:
    require(actor, "villages.manage", member)
    title = _text(title, "荣誉称号", 100, required=True)
    if awarded_on is None or awarded_on > clock.today():
        raise Refused(f"评选日期 {awarded_on or ''} 晚于今天，请核对")
    with transaction.atomic():
        found = Commendation.objects.create(
            member=member,
            title=title,
            awarded_on=awarded_on,
            awarded_by=_text(awarded_by, "评选单位", 100),
            created_at=clock.now(),
        )
        audit.record(found, actor=actor, action="评选表彰")
    return found


# ---------------------------------------------------------------------------------------------
# Checklist templates


@dataclass
class ItemSpec:
    text: str
    mode: str = ItemMode.PASS_FAIL
    max_score: Decimal | None = None
    pass_mark: Decimal | None = None
    evidence_required: bool = False
    weight: Decimal = Decimal(1)


def define_template(
    actor,
    *,
    key: str,
    name: str,
    target: str,
    items: Iterable[ItemSpec],
    check: bool = True,
    source: str = "web",
) -> ChecklistTemplate:
    """A new checklist, or the next version of one (the older versions stay for old results).
    ``check=False`` only for the command line (no account)."""
    if check:
        require(actor, "villages.manage")
    key = (key or "").strip()
    if not key or not key.isascii() or not key.replace("_", "").isalnum() or len(key) > 30:
        raise Refused("清单代号只能由字母、数字和下划线组成（最多30位）")
    name = _text(name, "清单名称", 100, required=True)
    if target not in Target.values:
        raise Refused(f"检查对象应为：{'、'.join(Target.labels)}")
    items = list(items)
    if not items:
        raise Refused("清单至少要有一个检查事项")
    for number, item in enumerate(items, 1):
        item.text = _text(item.text, f"第{number}项检查事项", 200, required=True)
        if item.mode not in ItemMode.values:
            raise Refused(f"第{number}项评判方式应为：{'、'.join(ItemMode.labels)}")
        if item.weight is None or item.weight <= 0 or item.weight > 100:
            raise Refused(f"第{number}项权重应大于0且不超过100")
        if item.mode == ItemMode.SCORE:
            if item.max_score is None or item.max_score <= 0 or item.max_score > 1000:
                raise Refused(f"第{number}项为评分项，满分应大于0且不超过1000")
            if item.pass_mark is None or not 0 <= item.pass_mark <= item.max_score:
                raise Refused(f"第{number}项合格分应在 0 到满分 {item.max_score} 之间")
        else:
            item.max_score = item.pass_mark = None
    with transaction.atomic():
        last = ChecklistTemplate.objects.select_for_update().filter(key=key)
        version = (last.aggregate(v=Max("version"))["v"] or 0) + 1
        last.update(is_current=False)
        template = ChecklistTemplate.objects.create(
            key=key,
            name=name,
            version=version,
            target=target,
            is_current=True,
            created_at=clock.now(),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        ChecklistItem.objects.bulk_create(
            [
                ChecklistItem(
                    template=template,
                    order=number,
                    text=item.text,
                    mode=item.mode,
                    max_score=item.max_score,
                    pass_mark=item.pass_mark,
                    evidence_required=item.evidence_required,
                    weight=item.weight,
                )
                for number, item in enumerate(items, 1)
            ]
        )
        audit.record(
            template,
            {"版本": [version - 1 or None, version], "事项数": [None, len(items)]},
            actor=actor,
            action="制定检查清单",
            source=source,
        )
    return template


# ---------------------------------------------------------------------------------------------
# Checklist inspections


@dataclass
class Answer:
    item: ChecklistItem
    passed: bool | None = None  # pass/fail items
    score: Decimal | None = None  # scored items
    note: str = ""
    photo: object | None = None  # an accepted upload (org.uploads, filekinds.PHOTOS)


def template_version(key: str, version: int | None) -> ChecklistTemplate:
    """The current version of a checklist, or the named one (refused when it does not exist)."""
    found = ChecklistTemplate.objects.filter(key=key)
    if version is None:
        template = found.filter(is_current=True).first()
    else:
        template = found.filter(version=version).first()
    if template is None:
        existing = "、".join(str(v) for v in found.values_list("version", flat=True)) or "无"
        raise Refused(
            f"检查清单“{key}”没有第{version}版（现有版本：{existing}）"
            if version is not None
            else f"检查清单“{key}”不存在"
        )
    return template


def _target_ok(template: ChecklistTemplate, place: OrgUnit) -> bool:
    wanted = Level.TOWN if template.target == Target.TOWN else Level.VILLAGE
    return place is not None and place.level == wanted


def town_unit(place: OrgUnit) -> ResponsibleUnit:
    """The town (as a 责任单位) that holds a place's rectifications."""
    unit = ResponsibleUnit.objects.filter(
        kind=UnitKind.TOWN, org_unit__code=place.code[:9], is_active=True
    ).first()
    if unit is None:
        raise Refused(f"{place.name}所在的镇没有登记为责任单位，无法交办整改")
    return unit


def score_of(answers: list[Answer]) -> tuple[Decimal, bool]:
    """(weighted score out of 100, whether every item passed)."""
    total = sum((a.item.weight for a in answers), Decimal(0))
    got = Decimal(0)
    for answer in answers:
        item = answer.item
        if item.mode == ItemMode.SCORE:
            got += item.weight * answer.score / item.max_score
        elif answer.passed:
            got += item.weight
    score = (got * 100 / total).quantize(Decimal("0.1")) if total else Decimal(0)
    return score, all(a.passed for a in answers)


def record_inspection(
    actor,
    template: ChecklistTemplate,
    place: OrgUnit,
    *,
    inspected_on: dt.date,
    inspectors: str,
    answers: Iterable[Answer],
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    county_model: bool = False,
    source: str = "web",
) -> ChecklistInspection:
    """A checklist filled for a village, town or clinic. Every failed item becomes a 整改 case
    held by the town (with the case engine's clocks); an item passing at a re-inspection
    closes the loop on the earlier one's open case."""
    if not _target_ok(template, place):
        raise Refused(f"“{template.name}”的检查对象应为{template.get_target_display()}")
    require(actor, "villages.check", place)
    if inspected_on is None or inspected_on > clock.today():
        raise Refused(f"检查日期 {inspected_on or ''} 晚于今天，请核对")
    inspectors = _text(inspectors, "检查人员", 200, required=True)
    answers = list(answers)
    items = {item.pk: item for item in template.items.all()}
    given = {a.item.pk for a in answers}
    if given != set(items) or len(answers) != len(items):
        raise Refused("请逐项填写检查清单的全部事项")
    for answer in answers:
        item = items[answer.item.pk]
        answer.item = item
        if item.mode == ItemMode.SCORE:
            if answer.score is None:
                raise Refused(f"请填写第{item.order}项“{item.text}”的得分")
            if not Decimal(0) <= answer.score <= item.max_score:
                raise Refused(
                    f"第{item.order}项“{item.text}”得分 {answer.score} 超出范围（0–{item.max_score}）"
                )
            answer.passed = answer.score >= item.pass_mark
        elif answer.passed is None:
            raise Refused(f"请选择第{item.order}项“{item.text}”是否合格")
        if item.evidence_required and answer.photo is None:
            raise Refused(f"第{item.order}项“{item.text}”须拍照佐证，请上传照片")
        answer.note = _text(answer.note, f"第{item.order}项情况说明", 500)
    score, passed = score_of(answers)
    failed = [a for a in answers if not a.passed]
    holder = town_unit(place) if failed else None
    county_model = bool(county_model and passed and can(actor, "villages.manage"))
    earlier = _open_cases(template.key, place)
    with transaction.atomic():
        inspection = ChecklistInspection.objects.create(
            template=template,
            org_unit=place,
            inspected_on=inspected_on,
            inspectors=inspectors,
            latitude=latitude,
            longitude=longitude,
            score=score,
            passed=passed,
            county_model=county_model,
            recorded_by=actor,
            recorded_at=clock.now(),
        )
        for answer in answers:
            result = ItemResult(
                inspection=inspection,
                item=answer.item,
                passed=answer.passed,
                score=answer.score if answer.item.mode == ItemMode.SCORE else None,
                note=answer.note,
            )
            if answer.photo is not None:
                result.photo.save(_photo_name(answer.photo), answer.photo, save=False)
            if not answer.passed:
                result.case = _rectification(actor, inspection, answer, holder, source)
            result.save()
            if answer.passed and answer.item.text in earlier:
                _close_loop(actor, earlier[answer.item.text], inspection, source)
        audit.record(
            inspection,
            {"得分": [None, str(score)], "不合格项": [None, len(failed)]},
            actor=actor,
            action="清单检查",
            source=source,
        )
    return inspection


def _photo_name(upload) -> str:
    suffix = os.path.splitext(getattr(upload, "name", "") or "")[1].lower()
    return f"item{suffix if suffix in ('.jpg', '.jpeg', '.png') else '.jpg'}"


def _rectification(actor, inspection, answer: Answer, holder, source: str) -> Case:
    item = answer.item
    place = inspection.org_unit
    detail = answer.note or "检查不合格"
    if item.mode == ItemMode.SCORE:
        detail = f"得分 {answer.score}（合格分 {item.pass_mark}）：{detail}"
    return case_actions.register_assigned(
        actor,
        kind=Kind.RECTIFICATION,
        source=Source.INSPECTION,
        title=f"{place.name}{inspection.template.name}：{item.text}",
        content=f"{inspection.inspected_on:%Y年%m月%d日}{inspection.template.name}检查，"
        f"第{item.order}项“{item.text}”不合格。{detail}",
        org_unit=place,
        unit=holder,
        due_on=clock.today() + dt.timedelta(days=RECTIFY_DAYS),
        note=f"清单检查不合格项，限 {RECTIFY_DAYS} 日内整改到位",
        data={"checklist_inspection": inspection.pk, "item": item.pk},
        origin=source,
    )


def _open_cases(key: str, place: OrgUnit) -> dict[str, Case]:
    """Open rectifications from earlier inspections of this checklist at this place, by item."""
    rows = (
        ItemResult.objects.filter(
            inspection__template__key=key,
            inspection__org_unit=place,
            case__state__in=OPEN_STATES,
        )
        .select_related("case", "item")
        .order_by("inspection__inspected_on", "pk")
    )
    return {row.item.text: row.case for row in rows}


def _close_loop(actor, case: Case, inspection: ChecklistInspection, source: str) -> None:
    """A re-inspection found the item put right: verify a resolved case, else note it."""
    note = f"{inspection.inspected_on:%Y年%m月%d日}复查合格"
    if (
        case.state == State.RESOLVED
        and can(actor, "cases.verify", case)
        and case.resolved_by_id != actor.pk
    ):
        case_actions.verify_case(actor, case, note=note, source=source)
        return
    if case_actions.may_comment(actor, case):
        case_actions.comment_case(actor, case, note=note, source=source)
