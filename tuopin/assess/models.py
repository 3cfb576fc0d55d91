"""What the assessment stores: HQ's parameter settings, village baselines, and the drills.

Verdicts themselves are never stored: they are computed live from the registry.
"""

from __future__ import annotations

from django.db import models

from tuopin.org.models import OrgUnit


class RuleParameter(models.Model):
    """HQ's value for a rule-set parameter, for an area (a code prefix; '' = everywhere).

    The most specific area wins; an empty value means "unset" (items depending on it are
    unknown), which is different from having no row (the rule file's default applies).
    """

    ruleset = models.CharField("规则集", max_length=40)
    name = models.CharField("参数", max_length=60)
    scope_code = models.CharField("适用区划代码", max_length=15, blank=True, default="")
    value = models.CharField("取值", max_length=100, blank=True)
    note = models.CharField("依据", max_length=200, blank=True)
    set_by = models.ForeignKey(
        "org.User",
        verbose_name="设置人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    set_at = models.DateTimeField("设置时间")

    class Meta:
        verbose_name = "评估参数"
        verbose_name_plural = "评估参数"
        ordering = ["ruleset", "name", "scope_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["ruleset", "name", "scope_code"], name="assess_parameter_unique"
            )
        ]

    def __str__(self) -> str:
        # Named as the rule file names it (history and the admin show this, not ``income_line``).
        from tuopin.assess import rulesets

        try:
            spec = rulesets.load(self.ruleset).parameters.get(self.name)
        except rulesets.RuleError:
            spec = None
        label = spec.label if spec is not None else "已停用的参数"
        return f"{label}：{self.value or '未设置'}"


class VillageBaseline(models.Model):
    """Last year's figures a village item compares against (e.g. the income share)."""

    village = models.ForeignKey(
        OrgUnit, verbose_name="村", on_delete=models.PROTECT, related_name="assess_baselines"
    )
    year = models.PositiveSmallIntegerField("年度")
    income_share = models.DecimalField(
        "退出户人均纯收入占全县比例（%）", max_digits=7, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = "村上年基数"
        verbose_name_plural = "村上年基数"
        ordering = ["village__code", "year"]
        constraints = [
            models.UniqueConstraint(fields=["village", "year"], name="assess_baseline_unique")
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.year}"

    @property
    def scope_code(self) -> str:
        return self.village.code


class DrillQuerySet(models.QuerySet):
    def visible_to(self, user) -> DrillQuerySet:
        from tuopin.org.access import visible_q

        return self.filter(visible_q(user, code_path="area__code"))


class Drill(models.Model):
    """A pre-assessment drill: a stratified sample drawn like the third-party assessors do."""

    area = models.ForeignKey(
        OrgUnit, verbose_name="评估县", on_delete=models.PROTECT, related_name="assess_drills"
    )
    name = models.CharField("名称", max_length=100)
    seed = models.PositiveIntegerField("随机种子")
    village_target = models.PositiveSmallIntegerField("抽样村数")
    household_target = models.PositiveIntegerField("抽样户数")
    as_of = models.DateField("评估基准日")
    ruleset = models.CharField("规则集", max_length=40)
    created_at = models.DateTimeField("创建时间")
    created_by = models.ForeignKey(
        "org.User",
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = DrillQuerySet.as_manager()

    class Meta:
        verbose_name = "预评估演练"
        verbose_name_plural = "预评估演练"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_code(self) -> str:
        return self.area.code


class Approval(models.TextChoices):
    APPROVE = "approve", "认可"
    DISAPPROVE = "disapprove", "不认可"
    UNSURE = "unsure", "说不清"


class DrillHouseholdQuerySet(models.QuerySet):
    def visible_to(self, user) -> DrillHouseholdQuerySet:
        from tuopin.org.access import visible_q

        return self.filter(visible_q(user, code_path="village_code"))


class DrillHousehold(models.Model):
    """One sampled household, its stratum, and the visit result once recorded."""

    drill = models.ForeignKey(
        Drill, verbose_name="演练", on_delete=models.CASCADE, related_name="households"
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name="户", on_delete=models.PROTECT, related_name="+"
    )
    village_code = models.CharField("村代码", max_length=15, db_index=True)
    sequence = models.PositiveIntegerField("序号")
    registered = models.BooleanField("建档立卡")
    exited = models.BooleanField("已脱贫")
    persons = models.PositiveSmallIntegerField("人数")
    predicted_pass = models.BooleanField("系统判定达标")
    visited_at = models.DateTimeField("走访时间", null=True, blank=True)
    visited_by = models.ForeignKey(
        "org.User",
        verbose_name="走访人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    meets_standard = models.BooleanField("核实达标", null=True, blank=True)
    approval = models.CharField(
        "群众认可", max_length=20, choices=Approval.choices, blank=True, default=""
    )
    note = models.CharField("走访说明", max_length=500, blank=True)

    objects = DrillHouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = "演练样本户"
        verbose_name_plural = "演练样本户"
        ordering = ["drill", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["drill", "household"], name="assess_drill_household"),
            models.UniqueConstraint(fields=["drill", "sequence"], name="assess_drill_sequence"),
        ]

    def __str__(self) -> str:
        return f"{self.drill} #{self.sequence}"

    @property
    def scope_code(self) -> str:
        return self.village_code

    @property
    def visited(self) -> bool:
        return self.visited_at is not None

    @property
    def wrongly_exited(self) -> bool | None:
        if not self.exited or self.meets_standard is None:
            return None
        return not self.meets_standard

    @property
    def missed(self) -> bool | None:
        if self.registered or self.meets_standard is None:
            return None
        return not self.meets_standard


class ComparisonImport(models.Model):
    """Results of a province or national roll-up on Spark, brought in with
    ``tuopin assess import-results DIR``; the latest import is the one shown."""

    imported_at = models.DateTimeField("导入时间")
    source = models.CharField("来源文件夹", max_length=500)
    level = models.CharField("汇总层级", max_length=20)
    ruleset = models.CharField("规则集", max_length=40)
    ruleset_version = models.CharField("规则集版本", max_length=40)
    as_of = models.DateField("评估基准日")
    counties = models.PositiveIntegerField("县数")

    class Meta:
        verbose_name = "全国对比结果"
        verbose_name_plural = "全国对比结果"
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.ruleset} {self.as_of}（{self.counties} 个县）"


class ComparisonArea(models.Model):
    """One area's figures in an imported roll-up: a county, city, province or the nation."""

    batch = models.ForeignKey(
        ComparisonImport, verbose_name="导入批次", on_delete=models.CASCADE, related_name="areas"
    )
    level = models.CharField("层级", max_length=20)
    code = models.CharField("区划代码", max_length=15, blank=True)
    name = models.CharField("名称", max_length=100)
    parent = models.CharField("上级代码", max_length=15, blank=True)
    households = models.PositiveIntegerField("户数")
    incidence = models.FloatField("贫困发生率（%）", null=True)
    rates = models.JSONField("三率估计", default=dict)
    risks = models.JSONField("风险户数", default=dict)
    pass_rates = models.JSONField("各项达标率", default=dict)
    passed = models.BooleanField("摘帽条件达标", null=True)

    class Meta:
        verbose_name = "对比区划"
        verbose_name_plural = "对比区划"
        ordering = ["batch", "level", "code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"
