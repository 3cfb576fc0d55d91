"""Boundary polygons for the village map, imported from a GeoJSON file and keyed by org code."""

from __future__ import annotations

from django.db import models


class BoundaryQuerySet(models.QuerySet):
    def visible_to(self, user) -> BoundaryQuerySet:
        from tuopin.org.access import visible_q

        return self.filter(visible_q(user, code_path="code"))


class Boundary(models.Model):
    """One GeoJSON feature (a village, town or county outline); the newest import replaces it."""

    code = models.CharField("统计用区划代码", max_length=15, unique=True)
    name = models.CharField("名称", max_length=100, blank=True)
    geometry = models.JSONField("边界（GeoJSON geometry）")
    source_name = models.CharField("来源文件", max_length=255, blank=True)
    imported_at = models.DateTimeField("导入时间")

    objects = BoundaryQuerySet.as_manager()

    class Meta:
        verbose_name = "区划边界"
        verbose_name_plural = "区划边界"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def scope_code(self) -> str:
        return self.code


class Sector(models.TextChoices):
    TRANSPORT = "transport", "交通（通村道路）"
    POWER = "power", "电力（生活用电、动力电）"
    HOUSING = "housing", "住房（鉴定、安全住房、搬迁入住）"
    WATER = "water", "水利（饮水安全、自来水）"
    HEALTH = "health", "卫生（新农合和大病保险、卫生室）"


class SectorGrant(models.Model):
    """A county department's read-only access to its sector's data across all towns."""

    unit = models.ForeignKey(
        "org.ResponsibleUnit",
        verbose_name="责任单位",
        on_delete=models.CASCADE,
        related_name="sector_grants",
    )
    sector = models.CharField("行业", max_length=20, choices=Sector.choices)
    granted_at = models.DateTimeField("授权时间")
    granted_by = models.ForeignKey(
        "org.User",
        verbose_name="授权人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "行业数据授权"
        verbose_name_plural = "行业数据授权"
        ordering = ["unit__name", "sector"]
        constraints = [models.UniqueConstraint(fields=["unit", "sector"], name="sector_grant_once")]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_sector_display()}"

    @property
    def scope_code(self) -> str:
        return self.unit.org_unit.code
