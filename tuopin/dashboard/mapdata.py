"""The village map: points at each village's coordinates coloured by a chosen metric, and the
imported boundary polygons as a GeoJSON FeatureCollection for ``echarts.registerMap``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse

from tuopin.dashboard.models import Boundary
from tuopin.dashboard.sources import Unavailable, metric_value
from tuopin.org.models import Level, OrgUnit

PENDING = Unavailable("建档立卡档案（registry）尚未上线")

# (key, label) of the metrics a map can be coloured by.
MAP_METRICS: list[tuple[str, str]] = [
    ("poor_village", "是否贫困村"),
    ("households", "建档立卡户数"),
]
# Metrics that are a yes/no flag (drawn with two colours instead of a scale).
FLAG_METRICS = {"poor_village"}


@dataclass(frozen=True)
class MapPoint:
    code: str
    name: str
    longitude: float
    latitude: float
    value: float | None
    url: str

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "value": [self.longitude, self.latitude, self.value],
            "url": self.url,
        }


@dataclass
class VillageMap:
    metric: str
    metric_label: str
    points: list[MapPoint]
    without_coordinates: list[str]
    boundaries: dict | None
    reason: str = ""

    @property
    def kind(self) -> str:
        return "flag" if self.metric in FLAG_METRICS else "scale"


def villages_under(scope: OrgUnit, user):
    villages = (
        OrgUnit.objects.visible_to(user)
        .under(scope.code)
        .filter(level=Level.VILLAGE, is_active=True)
    )
    return villages.order_by("code").only(
        "pk", "code", "name", "longitude", "latitude", "is_poor_village"
    )


def metric_values(
    metric: str, scope: OrgUnit, villages: list[OrgUnit], on: dt.date
) -> tuple[dict[str, float | None], str]:
    if metric == "poor_village":
        return {v.code: 1.0 if v.is_poor_village else 0.0 for v in villages}, ""
    if metric == "households":
        values = {}
        for village in villages:
            value = metric_value("registry.registered_households", village, on, PENDING)
            if value.value is None and value.reason == PENDING:
                return {}, PENDING
            values[village.code] = float(value.value) if value.value is not None else None
        return values, ""
    return {}, "未知指标"


def boundary_collection(scope: OrgUnit, user) -> dict | None:
    rows = list(
        Boundary.objects.visible_to(user).filter(code__startswith=scope.code).order_by("code")
    )
    if not rows:
        return None
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": row.code, "label": row.name},
                "geometry": row.geometry,
            }
            for row in rows
        ],
    }


def build_map(scope: OrgUnit, user, metric: str, on: dt.date) -> VillageMap:
    villages = list(villages_under(scope, user))
    values, reason = metric_values(metric, scope, villages, on)
    points = []
    missing_coordinates = []
    for village in villages:
        if village.longitude is None or village.latitude is None:
            missing_coordinates.append(village.name)
            continue
        points.append(
            MapPoint(
                code=village.code,
                name=village.name,
                longitude=float(village.longitude),
                latitude=float(village.latitude),
                value=values.get(village.code),
                url=reverse("dashboard:unit", args=[village.code]),
            )
        )
    label = dict(MAP_METRICS).get(metric, metric)
    return VillageMap(
        metric=metric,
        metric_label=label,
        points=points,
        without_coordinates=missing_coordinates,
        boundaries=boundary_collection(scope, user),
        reason=reason,
    )
