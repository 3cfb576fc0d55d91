"""One case engine for discipline problems, petitions, inspection findings and rectifications.

A :class:`Case` moves through states by named actions (``cases.actions``); every step writes an
append-only :class:`CaseEvent`. While a case is open exactly one :class:`StageClock` runs: it
belongs to the stage (受理/交办/办理/验收) and to whoever holds the case in that stage, so delay
is attributed to the holder. Time limits come from :class:`TimeLimit` (HQ-editable, defaults in
``cases.limits``), counted in working days on the calendar of ``cases.calendar``.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q

from tuopin.lib import clock
from tuopin.org.models import OrgUnit, ResponsibleUnit, User


class Kind(models.TextChoices):
    DISCIPLINE = "discipline", "纪律问题"
    PETITION = "petition", "信访"
    INSPECTION = "inspection", "督查问题"
    RECTIFICATION = "rectification", "整改"
    INSTRUCTION = "instruction", "交办事项"
    MEDIATION = "mediation", "矛盾纠纷"


KIND_PREFIX = {
    Kind.DISCIPLINE: "JL",
    Kind.PETITION: "XF",
    Kind.INSPECTION: "DC",
    Kind.RECTIFICATION: "ZG",
    Kind.INSTRUCTION: "JB",
    Kind.MEDIATION: "TJ",
}


class Outcome(models.TextChoices):
    """How a mediated dispute ended (矛盾纠纷 only)."""

    SETTLED = "settled", "调解成功"
    TO_PETITION = "to_petition", "转信访"
    TO_COURT = "to_court", "转诉讼"


class State(models.TextChoices):
    REGISTERED = "registered", "已登记"
    ACCEPTED = "accepted", "已受理"
    ASSIGNED = "assigned", "已交办"
    IN_PROGRESS = "in_progress", "办理中"
    RESOLVED = "resolved", "已办结"
    VERIFIED = "verified", "已验收"
    CLOSED = "closed", "已销号"
    RETURNED = "returned", "已退回"
    REOPENED = "reopened", "重新办理"
    REJECTED = "rejected", "不予受理"


# States in which the case is still someone's work (and a stage clock runs).
OPEN_STATES = frozenset(
    {
        State.REGISTERED,
        State.ACCEPTED,
        State.ASSIGNED,
        State.IN_PROGRESS,
        State.RESOLVED,
        State.RETURNED,
        State.REOPENED,
    }
)
# Open but held by nobody below the office: 零暂存 watches these.
UNASSIGNED_STATES = frozenset({State.REGISTERED, State.ACCEPTED, State.RETURNED, State.REOPENED})


class Stage(models.TextChoices):
    ACCEPT = "accept", "受理"
    ASSIGN = "assign", "交办"
    HANDLE = "handle", "办理"
    VERIFY = "verify", "验收"


# The one stage each open state belongs to.
STAGE_OF_STATE = {
    State.REGISTERED: Stage.ACCEPT,
    State.ACCEPTED: Stage.ASSIGN,
    State.RETURNED: Stage.ASSIGN,
    State.REOPENED: Stage.ASSIGN,
    State.ASSIGNED: Stage.HANDLE,
    State.IN_PROGRESS: Stage.HANDLE,
    State.RESOLVED: Stage.VERIFY,
}


class Source(models.TextChoices):
    LETTER = "letter", "来信"
    VISIT = "visit", "来访"
    PHONE = "phone", "来电"
    ONLINE = "online", "网上信访"
    HOTLINE = "hotline", "12345热线"
    INSPECTION = "inspection", "督查督战"
    UNANNOUNCED = "unannounced", "暗访"
    AUDIT = "audit", "巡察审计"
    SUPERIOR = "superior", "上级交办"
    SELF = "self", "自查发现"
    MEETING = "meeting", "面对面会议交办"
    FIELD_VISIT = "field_visit", "领导包镇调研"
    SWEEP = "sweep", "矛盾纠纷排查"


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> CaseQuerySet:
        from tuopin.org.access import visible_q

        return self.filter(visible_q(user, code_path="org_code", unit_path="unit_id"))

    def open(self) -> CaseQuerySet:
        return self.filter(state__in=OPEN_STATES)


class Case(models.Model):
    number = models.CharField("编号", max_length=20, unique=True)
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    source = models.CharField("来源", max_length=16, choices=Source.choices)
    title = models.CharField("标题", max_length=200)
    content = models.TextField("问题内容")
    reporter_name = models.CharField("反映人", max_length=50, blank=True)
    reporter_phone = models.CharField("反映人电话", max_length=20, blank=True)
    subject = models.CharField("被反映对象", max_length=100, blank=True)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name="问题所在地", on_delete=models.PROTECT, related_name="cases"
    )
    # Denormalised from org_unit for the subtree filter and the escalation pass.
    org_code = models.CharField("所在地代码", max_length=15, db_index=True)
    level = models.CharField("层级", max_length=10)
    unit = models.ForeignKey(
        ResponsibleUnit,
        verbose_name="责任单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    state = models.CharField(
        "办理状态", max_length=16, choices=State.choices, default=State.REGISTERED
    )
    is_paused = models.BooleanField("暂停计时", default=False)
    registered_at = models.DateTimeField("登记时间", db_index=True)
    registered_by = models.ForeignKey(
        User, verbose_name="登记人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField("办结时间", null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, verbose_name="办结人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField("办理结果", blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    due_at = models.DateTimeField(
        "整改期限", null=True, blank=True, help_text="由督查组指定时，代替时限表中的办理时限"
    )
    round = models.PositiveSmallIntegerField("办理轮次", default=1)
    tracking_code = models.CharField("查询码", max_length=16, null=True, blank=True, unique=True)
    escalation_count = models.PositiveIntegerField("督办次数", default=0)
    escalated_at = models.DateTimeField("最近督办时间", null=True, blank=True)
    supervising_code = models.CharField("督办层级代码", max_length=15, blank=True)
    outcome = models.CharField(
        "调处结果", max_length=12, choices=Outcome.choices, blank=True, default=""
    )
    content_digest = models.CharField("内容摘要码", max_length=64, blank=True, db_index=True)
    visit = models.ForeignKey(
        "InspectionVisit",
        verbose_name="督查记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = "问题件"
        verbose_name_plural = "问题件"
        ordering = ["-registered_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "state"]),
            models.Index(fields=["unit", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def scope_code(self) -> str:
        return self.org_code

    @property
    def has_personal_data(self) -> bool:
        """Whether the case names a reporter (so showing it unmasked is a logged view)."""
        return bool(self.reporter_name or self.reporter_phone or self.tracking_code)

    @property
    def scope_unit_id(self) -> int | None:
        return self.unit_id

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def current_stage(self) -> str | None:
        return STAGE_OF_STATE.get(self.state)

    def open_clock(self) -> StageClock | None:
        return self.clocks.filter(ended_at__isnull=True).first()


class CaseEvent(models.Model):
    """One step in a case's life: append-only (never updated, never deleted)."""

    # Few indexes on purpose: the escalation pass bulk-inserts events, and every read goes
    # through (case, at). Users, clocks and cases are never deleted (nothing is hard-deleted).
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", db_index=False)
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        User,
        verbose_name="操作人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    action = models.CharField("操作", max_length=20)
    from_state = models.CharField("原状态", max_length=16, blank=True)
    to_state = models.CharField("新状态", max_length=16)
    note = models.TextField("说明", blank=True)
    data = models.JSONField("附加信息", default=dict, blank=True)
    clock = models.ForeignKey(
        "StageClock",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,
    )
    source = models.CharField("来源", max_length=10, default="web")

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("办理记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("办理记录只能追加，不能删除")

    @property
    def action_label(self) -> str:
        from tuopin.cases.actions import ACTION_LABELS

        return ACTION_LABELS.get(self.action, self.action)

    @property
    def to_state_label(self) -> str:
        return State(self.to_state).label if self.to_state in State.values else self.to_state

    @property
    def is_public(self) -> bool:
        """Whether the petitioner's tracking page shows this step."""
        from tuopin.cases.actions import PUBLIC_ACTIONS

        return self.action in PUBLIC_ACTIONS


def attachment_path(instance: CaseAttachment, filename: str) -> str:
    moment = clock.now()
    return f"cases/{moment:%Y/%m}/{instance.event.case_id}/{filename}"


class CaseAttachment(models.Model):
    event = models.ForeignKey(CaseEvent, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField("附件", upload_to=attachment_path, max_length=300)
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）")

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"

    def __str__(self) -> str:
        return self.name


class StageClock(models.Model):
    """The clock of one stage held by one holder: limit, pauses, breach and escalation."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="clocks")
    stage = models.CharField("阶段", max_length=10, choices=Stage.choices)
    holder_code = models.CharField("承办层级代码", max_length=15)
    holder_unit = models.ForeignKey(
        ResponsibleUnit,
        verbose_name="承办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField("开始")
    limit_days = models.PositiveIntegerField("时限（天）", null=True, blank=True)
    working_days = models.BooleanField("按工作日计", default=True)
    deadline = models.DateTimeField("截止时间", null=True, blank=True)
    paused_at = models.DateTimeField("暂停于", null=True, blank=True)
    paused_intervals = models.JSONField("暂停区间", default=list, blank=True)
    ended_at = models.DateTimeField("结束", null=True, blank=True)
    breached_at = models.DateTimeField("超期时间", null=True, blank=True)
    escalate_to_code = models.CharField("超期后督办层级代码", max_length=15, blank=True)
    escalation_batch = models.CharField(max_length=32, null=True, blank=True)

    class Meta:
        verbose_name = "阶段计时"
        verbose_name_plural = "阶段计时"
        ordering = ["started_at", "id"]
        indexes = [
            # The escalation pass reads only running, unbreached clocks with a deadline.
            models.Index(
                fields=["deadline"],
                name="cases_clock_due",
                condition=Q(
                    ended_at__isnull=True,
                    breached_at__isnull=True,
                    paused_at__isnull=True,
                    deadline__isnull=False,
                ),
            ),
            models.Index(fields=["case", "ended_at"]),
            models.Index(fields=["escalation_batch", "case"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(ended_at__isnull=True),
                name="cases_one_running_clock",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_stage_display()}"

    @property
    def holder_label(self) -> str:
        if self.holder_unit_id:
            return self.holder_unit.name
        return (
            OrgUnit.objects.filter(code=self.holder_code).values_list("name", flat=True).first()
            or self.holder_code
        )

    def paused_seconds(self, until: dt.datetime | None = None) -> float:
        total = 0.0
        for start, end in self.paused_intervals:
            total += (
                dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)
            ).total_seconds()
        if self.paused_at is not None:
            total += ((until or clock.now()) - self.paused_at).total_seconds()
        return total

    def delay_seconds(self, at: dt.datetime | None = None) -> float:
        """How long past its limit the holder kept the case (pauses after the breach excluded)."""
        breach = self.breached_at
        if breach is None and self.ended_at is None and self.paused_at is None:
            breach = self.deadline
        if breach is None:
            return 0.0
        end = self.ended_at or at or clock.now()
        if end <= breach:
            return 0.0
        paused_after = 0.0
        intervals = [
            (dt.datetime.fromisoformat(start), dt.datetime.fromisoformat(stop))
            for start, stop in self.paused_intervals
        ]
        if self.paused_at is not None:
            intervals.append((self.paused_at, end))
        for start, stop in intervals:
            start, stop = max(start, breach), min(stop, end)
            if stop > start:
                paused_after += (stop - start).total_seconds()
        return (end - breach).total_seconds() - paused_after

    def is_breached(self, at: dt.datetime | None = None) -> bool:
        at = at or clock.now()
        if self.breached_at is not None:
            return self.breached_at <= at
        if self.ended_at is not None:
            return False  # ending a clock records any breach first
        return self.paused_at is None and self.deadline is not None and self.deadline <= at


class TimeLimit(models.Model):
    """HQ's time limit for a stage of a kind of case at a level; ``days`` empty means no limit."""

    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    level = models.CharField("层级", max_length=10)
    stage = models.CharField("阶段", max_length=10)
    days = models.PositiveIntegerField("时限（天）", null=True, blank=True)
    working_days = models.BooleanField("按工作日计", default=True)
    updated_at = models.DateTimeField("修改时间")
    updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "办理时限"
        verbose_name_plural = "办理时限"
        constraints = [
            models.UniqueConstraint(fields=["kind", "level", "stage"], name="cases_one_limit")
        ]

    def __str__(self) -> str:
        return f"{self.kind}/{self.level}/{self.stage}: {self.days}"


class CalendarDay(models.Model):
    """HQ's edit to the shipped holiday table: a day declared a holiday or a working day."""

    day = models.DateField("日期", unique=True)
    is_working_day = models.BooleanField("上班")
    name = models.CharField("说明", max_length=50, blank=True)

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {'上班' if self.is_working_day else '放假'}"


class Rating(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class PetitionRating(models.Model):
    """The petitioner's rating of one round of handling (once per round)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="ratings")
    round = models.PositiveSmallIntegerField("办理轮次")
    rating = models.CharField("评价", max_length=12, choices=Rating.choices)
    comment = models.TextField("意见", blank=True)
    rated_at = models.DateTimeField("评价时间")

    class Meta:
        verbose_name = "信访评价"
        verbose_name_plural = "信访评价"
        ordering = ["rated_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "round"], name="cases_one_rating_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_rating_display()}"


class InspectionVisitQuerySet(models.QuerySet):
    def visible_to(self, user) -> InspectionVisitQuerySet:
        from tuopin.org.access import visible_q

        return self.filter(visible_q(user, code_path="org_unit__code"))


class InspectionVisit(models.Model):
    """A 督查督战 / 暗访 visit: who, where, when, what was checked."""

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name="督查地点", on_delete=models.PROTECT, related_name="inspections"
    )
    visited_on = models.DateField("督查日期")
    inspectors = models.CharField("督查人员", max_length=200)
    is_unannounced = models.BooleanField("暗访", default=False)
    cadres_expected = models.PositiveSmallIntegerField("应在岗驻村干部", default=0)
    cadres_present = models.PositiveSmallIntegerField("实际在岗驻村干部", default=0)
    files_checked = models.PositiveIntegerField("抽查户档案数", default=0)
    files_ok = models.PositiveIntegerField("其中合格", default=0)
    progress_note = models.TextField("工作推进情况", blank=True)
    milestones = models.ManyToManyField(
        "plan.Milestone", verbose_name="对照时间节点", blank=True, related_name="inspections"
    )
    notes = models.TextField("其他情况", blank=True)
    recorded_by = models.ForeignKey(
        User, verbose_name="记录人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间")

    objects = InspectionVisitQuerySet.as_manager()

    class Meta:
        verbose_name = "督查记录"
        verbose_name_plural = "督查记录"
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.org_unit}"

    @property
    def scope_code(self) -> str:
        return self.org_unit.code


class DisputeSweepQuerySet(models.QuerySet):
    def visible_to(self, user) -> DisputeSweepQuerySet:
        from tuopin.org.access import visible_q

        return self.filter(visible_q(user, code_path="org_unit__code"))


class DisputeSweep(models.Model):
    """One 排查 round in one village: how many disputes were found (each found one is a case)."""

    org_unit = models.ForeignKey(
        OrgUnit, verbose_name="排查村", on_delete=models.PROTECT, related_name="dispute_sweeps"
    )
    round_label = models.CharField("排查轮次", max_length=40)
    swept_on = models.DateField("排查日期")
    disputes_found = models.PositiveIntegerField("排查出矛盾纠纷（件）", default=0)
    notes = models.TextField("排查情况", blank=True)
    recorded_by = models.ForeignKey(
        User, verbose_name="记录人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间")

    objects = DisputeSweepQuerySet.as_manager()

    class Meta:
        verbose_name = "矛盾纠纷排查"
        verbose_name_plural = "矛盾纠纷排查"
        ordering = ["-swept_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "round_label"], name="cases_one_sweep_per_round"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round_label} {self.org_unit}"

    @property
    def scope_code(self) -> str:
        return self.org_unit.code


class PhoneCode(models.Model):
    """A verification code sent to a petitioner's phone (only its digest is kept)."""

    phone = models.CharField("手机号", max_length=20, db_index=True)
    digest = models.CharField("验证码摘要", max_length=64)
    sent_at = models.DateTimeField("发送时间")
    expires_at = models.DateTimeField("失效时间")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = "手机验证码"
        verbose_name_plural = "手机验证码"
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.phone[-4:]} {self.sent_at:%Y-%m-%d %H:%M}"
