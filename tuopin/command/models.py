"""The command loop: the face-to-face meeting and its instructions, leaders' towns, the HQ duty
roster, leaders' field visits and the accountability register (考核问责).

Instructions and problems found on visits are cases (``cases`` kinds 交办事项 and 督查问题):
their clocks, escalation and closure are the case engine's; these rows only say where they
came from. Nothing here is deleted; every change is audited (``org.audit``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from tuopin.cases.models import Case
from tuopin.org.models import OrgUnit, Person, ResponsibleUnit, User


class Meeting(models.Model):
    """One weekly 面对面 meeting of the units with the HQ leaders."""

    held_on = models.DateField("会议日期", db_index=True)
    period = models.ForeignKey(
        "reports.Period",
        verbose_name="对应周报周期",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    chair = models.CharField("主持", max_length=50)
    attendees = models.TextField("参会人员")
    discussion = models.TextField("会议研究事项", blank=True)
    recorded_by = models.ForeignKey(
        User, verbose_name="记录人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "面对面会议"
        verbose_name_plural = "面对面会议"
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.held_on} 面对面会议"

    @property
    def number(self) -> int:
        return Meeting.objects.filter(
            Q(held_on__lt=self.held_on) | Q(held_on=self.held_on, pk__lte=self.pk)
        ).count()


class UnitHeard(models.Model):
    """A unit's report heard in the meeting (进展、问题、建议), as the minutes record it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="heard")
    unit = models.ForeignKey(
        ResponsibleUnit, verbose_name="汇报单位", on_delete=models.PROTECT, related_name="+"
    )
    summary = models.TextField("汇报要点")

    class Meta:
        verbose_name = "单位汇报"
        verbose_name_plural = "单位汇报"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.unit}"


class Instruction(models.Model):
    """A leader's instruction (交办事项) in the minutes; its progress is its case's."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="instructions")
    leader = models.CharField("交办领导", max_length=50, blank=True)
    text = models.TextField("交办内容")
    unit = models.ForeignKey(
        ResponsibleUnit, verbose_name="承办单位", on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField("办理期限")
    case = models.OneToOneField(
        Case, verbose_name="问题件", on_delete=models.PROTECT, related_name="instruction"
    )

    class Meta:
        verbose_name = "交办事项"
        verbose_name_plural = "交办事项"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:40]


class TownAssignment(models.Model):
    """A county leader 包镇: responsible for one town from ``since`` (until ``until``)."""

    leader = models.ForeignKey(
        Person, verbose_name="包镇领导", on_delete=models.PROTECT, related_name="towns"
    )
    town = models.ForeignKey(
        OrgUnit, verbose_name="包抓镇", on_delete=models.PROTECT, related_name="leaders"
    )
    since = models.DateField("开始日期")
    until = models.DateField("结束日期", null=True, blank=True)

    class Meta:
        verbose_name = "领导包镇"
        verbose_name_plural = "领导包镇"
        ordering = ["town__code", "since"]
        constraints = [
            models.UniqueConstraint(
                fields=["leader", "town"],
                condition=Q(until__isnull=True),
                name="command_one_current_assignment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.leader} 包 {self.town}"


class DutyShift(models.Model):
    """One leader's day on the HQ duty roster (坐班), and whether they signed in."""

    day = models.DateField("值班日期")
    leader = models.ForeignKey(
        Person, verbose_name="坐班领导", on_delete=models.PROTECT, related_name="duty_shifts"
    )
    signed_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    signed_in_by = models.ForeignKey(
        User,
        verbose_name="签到操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "坐班安排"
        verbose_name_plural = "坐班安排"
        ordering = ["day", "leader__name"]
        constraints = [
            models.UniqueConstraint(fields=["day", "leader"], name="command_one_shift_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.leader}"


class FieldVisit(models.Model):
    """A leader's visit to a town or village: what was inspected; problems found became cases."""

    leader = models.ForeignKey(
        Person, verbose_name="领导", on_delete=models.PROTECT, related_name="field_visits"
    )
    visited_on = models.DateField("日期", db_index=True)
    org_unit = models.ForeignKey(
        OrgUnit, verbose_name="地点", on_delete=models.PROTECT, related_name="field_visits"
    )
    org_code = models.CharField("地点代码", max_length=15, db_index=True)
    inspected = models.TextField("检查内容")
    cases = models.ManyToManyField(Case, verbose_name="发现问题", blank=True, related_name="+")
    recorded_by = models.ForeignKey(
        User, verbose_name="记录人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "领导调研"
        verbose_name_plural = "领导调研"
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.leader} {self.org_unit}"

    @property
    def scope_code(self) -> str:
        return self.org_code


class ReasonKind(models.TextChoices):
    MILESTONE = "milestone", "时间节点逾期"
    REPORT = "report", "周报迟报漏报"
    CASE = "case", "问题件超期"
    CHECK = "check", "督查检查未通过"
    OTHER = "other", "其他"


class Measure(models.TextChoices):
    TALK = "talk", "约谈"
    CRITICISM = "criticism", "通报批评"
    ADMONISH = "admonish", "诫勉谈话"
    INSPECT = "inspect", "责令书面检查"
    DISCIPLINE = "discipline", "党纪政务处分"
    OTHER = "other", "其他处理"


class AccountabilityRecord(models.Model):
    """One accountability measure (考核问责): who, why, what, when — and who decided."""

    subject_person = models.CharField("问责对象（个人）", max_length=100, blank=True)
    subject_unit = models.ForeignKey(
        ResponsibleUnit,
        verbose_name="问责对象（单位）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason_kind = models.CharField("问责事由类别", max_length=12, choices=ReasonKind.choices)
    reason = models.TextField("问责事由")
    milestone = models.ForeignKey(
        "plan.Milestone",
        verbose_name="逾期时间节点",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    case = models.ForeignKey(
        Case,
        verbose_name="超期问题件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    measure = models.CharField("处理方式", max_length=12, choices=Measure.choices)
    decided_on = models.DateField("决定日期", db_index=True)
    decided_by = models.CharField("决定人（机构）", max_length=100)
    evidence = models.TextField("依据材料", blank=True)
    recorded_by = models.ForeignKey(
        User, verbose_name="记录人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("记录时间")

    class Meta:
        verbose_name = "问责记录"
        verbose_name_plural = "问责记录"
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return f"{self.decided_on} {self.subject_label} {self.get_measure_display()}"

    @property
    def subject_label(self) -> str:
        parts = [self.subject_unit.name if self.subject_unit_id else "", self.subject_person]
        return "　".join(p for p in parts if p)
