"""Water supply: schemes and supply points with the households they serve, and water-quality
test reports (per point or per household) with the GB 5749 parameters tested. A household's
water-quality flag is derived from the tests (see ``quality.py``). History: org AuditEvents."""

from __future__ import annotations

from django.db import models

from tuopin.water.codes import SampleKind, SupplyKind
from tuopin.water.sector import sector_q


class PointQuerySet(models.QuerySet):
    def visible_to(self, user) -> PointQuerySet:
        return self.filter(sector_q(user, "water", "village__code"))


class SupplyPoint(models.Model):
    code = models.CharField("供水点编号", max_length=40, unique=True)
    name = models.CharField("供水点名称", max_length=100)
    scheme = models.CharField("供水工程", max_length=100, blank=True)
    village = models.ForeignKey(
        "org.OrgUnit", verbose_name="所在村", on_delete=models.PROTECT, related_name="water_points"
    )
    kind = models.CharField("供水方式", max_length=20, choices=SupplyKind.choices)
    source = models.CharField("水源", max_length=100, blank=True)
    project = models.ForeignKey(
        "projects.Project",
        verbose_name="建设项目",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="water_points",
    )
    created_at = models.DateTimeField("创建时间")
    updated_at = models.DateTimeField("更新时间")

    objects = PointQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "供水点"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def scope_code(self) -> str:
        return self.village.code


class ServiceQuerySet(models.QuerySet):
    def visible_to(self, user) -> ServiceQuerySet:
        return self.filter(sector_q(user, "water", "point__village__code"))


class Service(models.Model):
    """A household served by a supply point (受益农户)."""

    point = models.ForeignKey(
        SupplyPoint, verbose_name="供水点", on_delete=models.CASCADE, related_name="services"
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name="农户",
        on_delete=models.CASCADE,
        related_name="water_services",
    )
    created_at = models.DateTimeField("创建时间")
    updated_at = models.DateTimeField("更新时间")

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "受益农户"
        constraints = [
            models.UniqueConstraint(fields=["point", "household"], name="water_service_once")
        ]

    def __str__(self) -> str:
        return f"{self.point_id}→{self.household_id}"

    @property
    def scope_code(self) -> str:
        return self.point.village.code


class TestQuerySet(models.QuerySet):
    def visible_to(self, user) -> TestQuerySet:
        return self.filter(sector_q(user, "water", "village__code"))


class WaterTest(models.Model):
    """A test report (检测报告) of a supply point or of one household's water."""

    report_no = models.CharField("报告编号", max_length=40, unique=True)
    village = models.ForeignKey(
        "org.OrgUnit", verbose_name="所在村", on_delete=models.PROTECT, related_name="water_tests"
    )
    point = models.ForeignKey(
        SupplyPoint,
        verbose_name="供水点",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tests",
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name="农户",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="water_tests",
    )
    tested_on = models.DateField("检测日期", db_index=True)
    lab = models.CharField("检测机构", max_length=100)
    sample = models.CharField("水样类型", max_length=20, choices=SampleKind.choices, blank=True)
    values = models.JSONField("检测指标", default=dict)
    passed = models.BooleanField("检测结论合格")
    failed_items = models.CharField("超标指标", max_length=500, blank=True)
    report_file = models.FileField("检测报告文件", upload_to="water-reports/", blank=True)
    created_at = models.DateTimeField("创建时间")
    updated_at = models.DateTimeField("更新时间")

    objects = TestQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "水质检测报告"
        ordering = ["-tested_on", "report_no"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(point__isnull=False) | models.Q(household__isnull=False),
                name="water_test_of_point_or_household",
            )
        ]

    def __str__(self) -> str:
        return f"检测报告 {self.report_no}"

    @property
    def scope_code(self) -> str:
        return self.village.code

    @property
    def conclusion(self) -> str:
        return "合格" if self.passed else "不合格"
