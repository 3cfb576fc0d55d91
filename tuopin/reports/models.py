"""Weekly reporting: periods, each unit's report with immutable signed versions, reminders.

A :class:`Report` is one unit's report for one :class:`Period`. Its content lives in
:class:`ReportVersion` rows: a version is edited while it is a draft (or submitted but not yet
signed); once the unit head signs it, its content and hash never change — a correction makes a
new version that must be signed again. Timeliness is decided by the *first* signature, compared
with the unit's deadline (the period's, or the one HQ granted as an exception) to the second.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tuopin.lib.cn_dates import WEEKDAY_CHOICES, weekday_name
from tuopin.org.models import ResponsibleUnit
from tuopin.plan.models import Campaign


class ReportingRule(models.Model):
    """HQ's settings for a campaign's weekly cycle (the weekday and time live on the campaign)."""

    WEBHOOK_KINDS = [("wecom", "企业微信群机器人"), ("dingtalk", "钉钉群机器人")]

    campaign = models.OneToOneField(
        Campaign, on_delete=models.CASCADE, related_name="reporting_rule", verbose_name="作战计划"
    )
    grace_minutes = models.PositiveIntegerField(
        "截止后补报时限（分钟）",
        default=72 * 60,
        help_text="截止后仍可补报（计为迟报）的时长；超过即锁定，未签字的计为漏报",
    )
    first_deadline = models.DateField(
        "首个截止日", null=True, blank=True, help_text="留空则取印发日期后的第一个截止日"
    )
    webhook_url = models.URLField("群机器人地址", blank=True)
    webhook_kind = models.CharField(
        "群机器人类型", max_length=12, choices=WEBHOOK_KINDS, default="wecom"
    )
    email_enabled = models.BooleanField("发送邮件提醒", default=True)

    class Meta:
        verbose_name = "周报规则"
        verbose_name_plural = "周报规则"

    def __str__(self) -> str:
        return f"{self.campaign} 周报规则"

    @property
    def scope_code(self) -> str:
        return self.campaign.county.code


class ReminderSlot(models.Model):
    """A weekly moment at which reminders go out (e.g. Thursday 17:00, Friday 09:00)."""

    rule = models.ForeignKey(ReportingRule, on_delete=models.CASCADE, related_name="slots")
    weekday = models.PositiveSmallIntegerField("星期", choices=WEEKDAY_CHOICES)
    time = models.TimeField("时间")

    class Meta:
        verbose_name = "提醒时间"
        verbose_name_plural = "提醒时间"
        ordering = ["rule", "weekday", "time"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "weekday", "time"], name="reminder_slot_unique")
        ]

    def __str__(self) -> str:
        return f"{weekday_name(self.weekday)} {self.time:%H:%M}"


class PeriodQuerySet(models.QuerySet):
    def visible_to(self, user) -> PeriodQuerySet:
        from tuopin.org.access import visible_q

        condition = visible_q(user, code_path="campaign__county__code")
        if user is not None and user.is_authenticated and (user.unit_id or user.scope_id):
            # A unit sees the weeks it reports in; a town cadre the weeks of its town's reports.
            condition |= Q(pk__in=Report.objects.visible_to(user).values("period_id"))
        return self.filter(condition)


class Period(models.Model):
    """One week of a campaign: opens at the previous deadline, due at ``deadline``, locks later."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="periods", verbose_name="作战计划"
    )
    number = models.PositiveIntegerField("周次")
    opens_at = models.DateTimeField("开始填报")
    deadline = models.DateTimeField("截止时间", db_index=True)
    closes_at = models.DateTimeField("锁定时间", db_index=True)
    closed_at = models.DateTimeField("已关闭于", null=True, blank=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        verbose_name = "填报周期"
        verbose_name_plural = "填报周期"
        ordering = ["campaign", "-deadline"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="period_number_unique")
        ]

    def __str__(self) -> str:
        return f"第{self.number}周（{self.deadline.astimezone(_tz()):%m月%d日}截止）"

    @property
    def scope_code(self) -> str:
        return self.campaign.county.code

    def state(self, now) -> str:
        if now < self.opens_at:
            return "upcoming"
        if now < self.deadline:
            return "open"
        if now < self.closes_at:
            return "overdue"
        return "closed"

    def state_label(self, now) -> str:
        return {"upcoming": "未开始", "open": "填报中", "overdue": "已截止（可补报）"}.get(
            self.state(now), "已锁定"
        )


def _tz():
    from tuopin.lib.clock import SHANGHAI

    return SHANGHAI


class Status(models.TextChoices):
    NOT_STARTED = "not_started", "未填报"
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待签字"
    SIGNED = "signed", "已签字"
    RECEIVED = "received", "已接收"
    RETURNED = "returned", "已退回"


class Timeliness(models.TextChoices):
    PENDING = "pending", "未到截止"
    OVERDUE = "overdue", "已超时未签"
    ON_TIME = "on_time", "按时"
    LATE = "late", "迟报"
    MISSING = "missing", "漏报"
    EXEMPT = "exempt", "免报"


class ReportQuerySet(models.QuerySet):
    def visible_to(self, user) -> ReportQuerySet:
        from tuopin.org.access import visible_q

        return self.filter(visible_q(user, code_path="unit__org_unit__code", unit_path="unit_id"))


class Report(models.Model):
    """A unit's report for a period; ``revision`` increases with every change (optimistic lock)."""

    period = models.ForeignKey(
        Period, on_delete=models.CASCADE, related_name="reports", verbose_name="填报周期"
    )
    unit = models.ForeignKey(
        ResponsibleUnit, on_delete=models.PROTECT, related_name="reports", verbose_name="责任单位"
    )
    status = models.CharField("状态", max_length=12, choices=Status.choices, default="not_started")
    timeliness = models.CharField(
        "时效", max_length=10, choices=Timeliness.choices, default=Timeliness.PENDING
    )
    deadline = models.DateTimeField("本单位截止时间")
    closes_at = models.DateTimeField("本单位锁定时间")
    exception_reason = models.CharField("例外说明", max_length=300, blank=True)
    current_version = models.ForeignKey(
        "ReportVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="当前版本",
    )
    first_signed_at = models.DateTimeField("首次签字时间", null=True, blank=True)
    changed_after_signing = models.BooleanField("签字后有更改", default=False)
    revision = models.PositiveIntegerField("修改次数", default=0)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = "单位周报"
        verbose_name_plural = "单位周报"
        ordering = ["period", "unit__kind", "unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="report_period_unit_unique")
        ]
        indexes = [models.Index(fields=["timeliness", "deadline"])]

    def __str__(self) -> str:
        return f"{self.unit.name} {self.period}"

    @property
    def scope_code(self) -> str:
        return self.unit.org_unit.code

    @property
    def scope_unit_id(self) -> int:
        return self.unit_id


class ReportVersion(models.Model):
    """The content of a report at one version; immutable once signed."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版本")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default="draft")
    payload = models.JSONField("填报内容", default=dict)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间")
    updated_at = models.DateTimeField("最后保存")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField("签字时间", null=True, blank=True)
    content_hash = models.CharField("内容摘要（SHA-256）", max_length=64, blank=True)
    canonical = models.TextField("签字内容（规范 JSON）", blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField("接收时间", null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    returned_at = models.DateTimeField("退回时间", null=True, blank=True)
    return_reason = models.CharField("退回原因", max_length=500, blank=True)

    class Meta:
        verbose_name = "周报版本"
        verbose_name_plural = "周报版本"
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="report_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.report} 第{self.number}版"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    @property
    def scope_code(self) -> str:
        return self.report.scope_code

    @property
    def scope_unit_id(self) -> int:
        return self.report.unit_id


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"reports/{instance.sha256[:2]}/{instance.sha256}/{filename}"


class Attachment(models.Model):
    """A file attached to a version; a new version shares its predecessor's files."""

    version = models.ForeignKey(ReportVersion, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("文件", upload_to=attachment_path, max_length=300)
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveBigIntegerField("大小（字节）")
    content_type = models.CharField("类型", max_length=100)
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        ordering = ["version", "id"]

    def __str__(self) -> str:
        return self.name


class ReportEvent(models.Model):
    """Append-only history of a report: every save, submit, sign, receive, return, exception."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    version = models.ForeignKey(
        ReportVersion, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField("操作", max_length=20)
    note = models.CharField("说明", max_length=500, blank=True)
    source = models.CharField("来源", max_length=10, default="web")

    class Meta:
        verbose_name = "周报记录"
        verbose_name_plural = "周报记录"
        ordering = ["report", "at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action}"


class Reminder(models.Model):
    """One digest to one recipient (a user or a group-robot webhook) at one reminder moment.

    Scheduled rows are created with a unique key and claimed by setting ``sent_at`` with a
    conditional UPDATE, so two workers never send the same digest twice. A 催报 sent by HQ by hand
    carries ``chased_by``; it is guarded by the report rows' lock and a quiet interval instead of
    the key (two chases may fall on the same moment when the clock is frozen, as in the demo).
    """

    CHANNELS = [("app", "站内通知"), ("email", "邮件"), ("webhook", "群机器人")]

    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="reminders")
    due_at = models.DateTimeField("提醒时间")
    channel = models.CharField("渠道", max_length=10, choices=CHANNELS)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    address = models.CharField("地址", max_length=300, blank=True)
    subject = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    error = models.CharField("发送错误", max_length=500, blank=True)
    chased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="催报人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "催报提醒"
        verbose_name_plural = "催报提醒"
        ordering = ["-due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "due_at", "channel", "address"],
                condition=Q(chased_by__isnull=True),
                name="reminder_digest_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.due_at:%m-%d %H:%M} {self.get_channel_display()} {self.address}"


class Notification(models.Model):
    """An in-app message for one user (reminders, returned reports)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    at = models.DateTimeField("时间")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内通知"
        verbose_name_plural = "站内通知"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title
