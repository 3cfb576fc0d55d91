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
