"""A campaign as tracked: goals, phases, actions with leaders and units, dated milestones.

Milestones are measured through :class:`Measurement` rows: the reporting app writes the values
units report (signed weekly reports), the system writes computed values; status and forecast
read only measurements, so this app never reaches up into the apps that feed it.
"""

from __future__ import annotations

from django.db import models

from tuopin.lib import clock
from tuopin.lib.cn_dates import WEEKDAY_CHOICES
from tuopin.org.models import OrgUnit, Person, ResponsibleUnit, User


class CampaignQuerySet(models.QuerySet):
    def visible_to(self, user) -> CampaignQuerySet:
        """A campaign binds its whole county: every account of the county (scope or unit) sees it."""
        from tuopin.org.access import visible_q

        condition = visible_q(user, code_path="county__code")
        if user is not None and user.is_authenticated and user.is_active:
            counties = []
            if user.scope_id is not None:
                counties.append(user.scope.code[:6])
            if user.unit_id is not None:
                counties.append(user.unit.org_unit.code[:6])
            if counties:
                condition |= models.Q(county__code__in=counties)
        return self.filter(condition)

    def active(self) -> CampaignQuerySet:
        return self.filter(is_active=True)


class Campaign(models.Model):
    title = models.CharField("标题", max_length=200)
    issuer = models.CharField("印发单位", max_length=200, blank=True)
    issued_on = models.DateField("印发日期", null=True, blank=True)
    county = models.ForeignKey(
        OrgUnit, verbose_name="所属县", on_delete=models.PROTECT, related_name="campaigns"
    )
    source_name = models.CharField("原文件名", max_length=200, blank=True)
    source_text = models.TextField("原文", blank=True)
    reporting_weekday = models.PositiveSmallIntegerField(
        "周报截止星期", choices=WEEKDAY_CHOICES, default=5
    )
    reporting_time = models.TimeField("周报截止时间", default="12:00")
    reporting_sign_off = models.BooleanField("周报须主要领导签字", default=True)
    tolerance = models.DecimalField(
        "核对容差",
        max_digits=8,
        decimal_places=2,
        default=2,
        help_text="填报值与系统计算值相差超过此数（百分比指标为百分点）时，须写明原因",
    )
    is_active = models.BooleanField("进行中", default=True)
    created_at = models.DateTimeField("创建时间")
    preamble = models.TextField("前言", blank=True)
    parse_warnings = models.JSONField("解析提示", default=list, blank=True)
    revision = models.PositiveIntegerField("修订版次", default=1)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "作战计划"
        verbose_name_plural = "作战计划"
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def scope_code(self) -> str:
        return self.county.code


class Goal(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="goals")
    text = models.CharField("目标", max_length=500)
    value = models.DecimalField("目标值", max_digits=14, decimal_places=2, null=True, blank=True)
    unit = models.CharField("单位", max_length=20, blank=True)
    metric_key = models.CharField("度量指标", max_length=80, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "目标任务"
        verbose_name_plural = "目标任务"
        ordering = ["campaign", "order"]

    def __str__(self) -> str:
        return self.text


class Phase(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField("阶段名称", max_length=100)
    start = models.DateField("开始")
    end = models.DateField("结束")
    text = models.TextField("内容", blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "阶段"
        verbose_name_plural = "阶段"
        ordering = ["campaign", "order"]

    def __str__(self) -> str:
        return self.name


class InForceManager(models.Manager):
    """Rows still part of the plan. A revision withdraws actions and milestones instead of
    deleting them, because reports, measurements and inspections point at them; every page and
    computation reads through this default manager, while foreign keys from history (the base
    manager) and ``all_objects`` still reach the withdrawn rows."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(withdrawn_at=None)


class Action(models.Model):
    """A 专项行动 with its accountable leaders and responsible units (original wording kept)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="actions")
    number = models.PositiveSmallIntegerField("序号")
    label = models.CharField("原文编号", max_length=20, blank=True)
    title = models.CharField("名称", max_length=200)
    text = models.TextField("全文", blank=True)
    leaders = models.ManyToManyField(
        Person, verbose_name="责任领导", related_name="led_actions", blank=True
    )
    leaders_text = models.CharField("责任领导（原文）", max_length=300, blank=True)
    units = models.ManyToManyField(
        ResponsibleUnit, verbose_name="责任单位", related_name="actions", blank=True
    )
    units_text = models.CharField("责任单位（原文）", max_length=500, blank=True)
    withdrawn_at = models.DateTimeField("修订时撤销于", null=True, blank=True)

    all_objects = models.Manager()
    objects = InForceManager()

    class Meta:
        verbose_name = "专项行动"
        verbose_name_plural = "专项行动"
        default_manager_name = "objects"
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "number"],
                condition=models.Q(withdrawn_at=None),
                name="action_number_unique",
            )
        ]

    def __str__(self) -> str:
        return f"（{self.number}）{self.title}"

    @property
    def scope_code(self) -> str:
        return self.campaign.county.code


class Comparator(models.TextChoices):
    AT_LEAST = "at_least", "至少（≥）"
    MORE_THAN = "more_than", "以上（≥）"
    EQUAL = "equal", "达到（=）"
    ALL = "all", "全部（100%）"
    AT_MOST = "at_most", "不超过（≤）"


class Per(models.TextChoices):
    TOTAL = "total", "合计"
    TOWN = "town", "每镇"
    VILLAGE = "village", "每村"
    HOUSEHOLD = "household", "每户"


class MetricSource(models.TextChoices):
    REPORTED = "reported", "单位填报"
    COMPUTED = "computed", "系统计算"
    BOTH = "both", "填报并计算"


class MilestoneOrigin(models.TextChoices):
    """Where a milestone comes from: the plan document, or HQ's work on the web. A revision of
    the document rebuilds only what the document says; HQ's milestones stay."""

    DOCUMENT = "document", "方案原文"
    ADDED = "added", "指挥部在系统中添加"
    SPLIT = "split", "指挥部在系统中拆分"


class Milestone(models.Model):
    """A dated commitment of an action, with a numeric target where the text gives one."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="milestones")
    deadline = models.DateTimeField("截止时间")
    text = models.TextField("原文条款")
    target_value = models.DecimalField(
        "目标值", max_digits=14, decimal_places=2, null=True, blank=True
    )
    target_unit = models.CharField("目标单位", max_length=20, blank=True)
    comparator = models.CharField("比较方式", max_length=12, choices=Comparator.choices, blank=True)
    per = models.CharField("口径", max_length=12, choices=Per.choices, default=Per.TOTAL)
    metric_key = models.CharField("度量指标", max_length=80, blank=True)
    metric_source = models.CharField(
        "指标来源", max_length=12, choices=MetricSource.choices, default=MetricSource.REPORTED
    )
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    order = models.PositiveIntegerField(default=0)
    phrase = models.CharField("时间原文", max_length=40, blank=True)
    starts_on = models.DateField("开始日期", null=True, blank=True)
    withdrawn_at = models.DateTimeField("修订时撤销于", null=True, blank=True)
    tolerance = models.DecimalField(
        "核对容差",
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="空则用作战计划的核对容差",
    )
    origin = models.CharField(
        "来源", max_length=12, choices=MilestoneOrigin.choices, default=MilestoneOrigin.DOCUMENT
    )
    split_from = models.ForeignKey(
        "self",
        verbose_name="拆分自",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="split_parts",
        help_text="指挥部拆分出的分项所拆分的节点（原节点已撤销）",
    )

    all_objects = models.Manager()
    objects = InForceManager()

    class Meta:
        verbose_name = "时间节点"
        verbose_name_plural = "时间节点"
        default_manager_name = "objects"
        ordering = ["deadline", "action__number", "order"]
        indexes = [models.Index(fields=["deadline"])]

    def __str__(self) -> str:
        return f"（{self.action.number}）节点{self.order} {clock.local(self.deadline):%m月%d日}"

    @property
    def has_target(self) -> bool:
        return self.target_value is not None

    @property
    def by_hq(self) -> bool:
        """HQ created it on the web (added or split): a revision of the document keeps it."""
        return self.origin != MilestoneOrigin.DOCUMENT

    @property
    def scope_code(self) -> str:
        return self.action.campaign.county.code


class Measurement(models.Model):
    """A measured value of a milestone's metric for one responsible unit (or the total) at a time.

    Written by the reporting app when a unit's report is signed (source ``report``) and by the
    system for computed metrics; the newest row per (milestone, unit) is the current value.
    """

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="measurements")
    unit = models.ForeignKey(
        ResponsibleUnit,
        verbose_name="责任单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="measurements",
    )
    value = models.DecimalField("数值", max_digits=14, decimal_places=2)
    measured_at = models.DateTimeField("时间", db_index=True)
    source = models.CharField("来源", max_length=20, default="report")
    source_ref = models.CharField("来源记录", max_length=60, blank=True)

    class Meta:
        verbose_name = "进展数值"
        verbose_name_plural = "进展数值"
        ordering = ["milestone", "unit", "measured_at"]
        indexes = [models.Index(fields=["milestone", "unit", "measured_at"])]

    def __str__(self) -> str:
        return f"{self.milestone} {self.value}"


class MilestoneTarget(models.Model):
    """A milestone's target for one town or one responsible unit (the parts add up to the total)."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="targets")
    area = models.ForeignKey(
        OrgUnit,
        verbose_name="镇",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        ResponsibleUnit,
        verbose_name="责任单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    value = models.DecimalField("目标值", max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = "分解目标"
        verbose_name_plural = "分解目标"
        ordering = ["milestone", "area__code", "unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["milestone", "area"], name="target_per_area"),
            models.UniqueConstraint(fields=["milestone", "unit"], name="target_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.milestone} {self.area or self.unit} {self.value}"

    @property
    def scope_code(self) -> str:
        return self.milestone.action.campaign.county.code


class MetricSnapshot(models.Model):
    """A computed metric's value for one county, town or village on a date (written by
    ``tuopin plan refresh`` and the worker; pages read these instead of recomputing)."""

    metric_key = models.CharField("指标", max_length=80)
    code = models.CharField("区划代码", max_length=15)
    level = models.CharField("层级", max_length=10)
    on = models.DateField("日期")
    value = models.DecimalField("数值", max_digits=16, decimal_places=4, null=True, blank=True)
    reason = models.CharField("无数据原因", max_length=200, blank=True)
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "计算值"
        verbose_name_plural = "计算值"
        ordering = ["metric_key", "code", "-on"]
        constraints = [
            models.UniqueConstraint(fields=["metric_key", "code", "on"], name="snapshot_once")
        ]
        indexes = [models.Index(fields=["metric_key", "on"])]

    def __str__(self) -> str:
        return f"{self.metric_key} {self.code} {self.on}"

    @property
    def scope_code(self) -> str:
        return self.code


class PlanDraft(models.Model):
    """An uploaded plan document awaiting review: the text, what the parser read, corrections."""

    county = models.ForeignKey(
        OrgUnit, verbose_name="所属县", on_delete=models.PROTECT, related_name="+"
    )
    source_name = models.CharField("原文件名", max_length=200)
    source_text = models.TextField("原文")
    parsed = models.JSONField("解析结果")
    uploaded_by = models.ForeignKey(
        User, verbose_name="上传人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间")
    campaign = models.ForeignKey(
        Campaign,
        verbose_name="生成的作战计划",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="drafts",
    )
    revises = models.ForeignKey(
        Campaign,
        verbose_name="修订的作战计划",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="revision_drafts",
    )

    class Meta:
        verbose_name = "待核对方案"
        verbose_name_plural = "待核对方案"
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.source_name

    @property
    def scope_code(self) -> str:
        return self.county.code
