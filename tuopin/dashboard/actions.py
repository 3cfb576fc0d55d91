"""State changes of the dashboard: importing boundary polygons from a GeoJSON file."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from django.db import transaction

from tuopin.dashboard.models import Boundary
from tuopin.lib import clock
from tuopin.org import audit
from tuopin.org.models import OrgUnit

# A feature's code may come under any of these property names (first one present wins).
CODE_PROPERTIES = ("code", "区划代码", "统计用区划代码", "adcode", "CODE")
NAME_PROPERTIES = ("name", "名称", "NAME")
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
MAX_FEATURES = 20000


class GeoJSONRefused(ValueError):
    """The file was not imported; ``errors`` says what, where and how to fix it (Chinese)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class GeoJSONSummary:
    added: int
    replaced: int


def _feature_code(properties: dict) -> str:
    for key in CODE_PROPERTIES:
        value = properties.get(key)
        if value not in (None, ""):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            return str(value).strip()
    return ""


def _feature_name(properties: dict) -> str:
    for key in NAME_PROPERTIES:
        value = properties.get(key)
        if value:
            return str(value).strip()[:100]
    return ""


def _valid_ring(ring: object) -> bool:
    return (
        isinstance(ring, list)
        and len(ring) >= 4
        and all(
            isinstance(point, list)
            and len(point) >= 2
            and all(isinstance(c, int | float) and not isinstance(c, bool) for c in point[:2])
            and -180 <= point[0] <= 180
            and -90 <= point[1] <= 90
            for point in ring
        )
    )


def _valid_geometry(geometry: dict) -> bool:
    coordinates = geometry.get("coordinates")
    if geometry.get("type") == "Polygon":
        polygons = [coordinates]
    else:
        polygons = coordinates if isinstance(coordinates, list) else None
    if not polygons:
        return False
    return all(
        isinstance(polygon, list) and polygon and all(_valid_ring(ring) for ring in polygon)
        for polygon in polygons
    )


class _NotFinite(ValueError):
    pass


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


def _no_constant(text: str) -> float:
    raise _NotFinite(text)


def parse_features(raw: bytes, source_name: str) -> list[tuple[str, str, dict]]:
    """Check the whole file; return (code, name, geometry) per feature or refuse with every error."""
    try:
        document = json.loads(
            raw.decode("utf-8-sig"), parse_float=_finite_float, parse_constant=_no_constant
        )
    except _NotFinite as error:
        raise GeoJSONRefused(
            [f"文件 {source_name} 中有无效的数值 {str(error)[:40]}：坐标应为有限的经纬度"]
        ) from None
    except RecursionError:
        # A few thousand nested brackets exhaust the parser's stack; no GeoJSON nests that deep.
        raise GeoJSONRefused(
            [f"文件 {source_name} 的嵌套层次过深，不是有效的 GeoJSON 边界文件"]
        ) from None
    except UnicodeDecodeError:
        raise GeoJSONRefused(
            [f"文件 {source_name} 不是 UTF-8 编码的文本：请另存为 UTF-8 后重新导入"]
        ) from None
    except json.JSONDecodeError as error:
        raise GeoJSONRefused(
            [
                f"文件 {source_name} 不是有效的 JSON（第 {error.lineno} 行第 {error.colno} 列：{error.msg}）"
            ]
        ) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise GeoJSONRefused(
            [
                f'文件 {source_name} 的顶层必须是 GeoJSON FeatureCollection（"type": "FeatureCollection"）'
            ]
        )
    features = document.get("features")
    if not isinstance(features, list) or not features:
        raise GeoJSONRefused([f"文件 {source_name} 中没有要素（features 为空）"])
    if len(features) > MAX_FEATURES:
        raise GeoJSONRefused(
            [f"文件 {source_name} 含 {len(features)} 个要素，超过上限 {MAX_FEATURES}"]
        )
    errors: list[str] = []
    parsed: list[tuple[str, str, dict]] = []
    seen: dict[str, int] = {}
    for number, feature in enumerate(features, start=1):
        where = f"第 {number} 个要素"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            errors.append(f"{where}不是 GeoJSON Feature")
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            properties = {}
        code = _feature_code(properties)
        if not code:
            errors.append(f"{where}缺少区划代码：请在 properties 中填写 code（或 区划代码）")
            continue
        where = f"{where}（代码 {code}）"
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
            kind = geometry.get("type") if isinstance(geometry, dict) else "无"
            errors.append(f"{where}的几何类型为 {kind}，只支持 Polygon 或 MultiPolygon")
            continue
        if not _valid_geometry(geometry):
            errors.append(
                f"{where}的坐标不完整或越界：每个环至少 4 个 [经度, 纬度] 点，"
                "经度在 -180 到 180 之间，纬度在 -90 到 90 之间"
            )
            continue
        if code in seen:
            errors.append(f"{where}与第 {seen[code]} 个要素代码重复")
            continue
        seen[code] = number
        parsed.append((code, _feature_name(properties), geometry))
    known = set(OrgUnit.objects.filter(code__in=seen).values_list("code", flat=True))
    for code, number in seen.items():
        if code not in known:
            errors.append(
                f"第 {number} 个要素（代码 {code}）在组织机构中不存在：请先导入区划代码或改正代码"
            )
    if errors:
        raise GeoJSONRefused(errors)
    return parsed


def import_geojson(
    raw: bytes, *, source_name: str, actor=None, source: str = "web"
) -> GeoJSONSummary:
    """Store every feature of a GeoJSON FeatureCollection keyed by org code, all or nothing."""
    features = parse_features(raw, source_name)
    moment = clock.now()
    with transaction.atomic():
        existing = {
            b.code: b for b in Boundary.objects.filter(code__in=[c for c, _, _ in features])
        }
        new_rows = []
        replaced = []
        for code, name, geometry in features:
            row = existing.get(code)
            if row is None:
                new_rows.append(
                    Boundary(
                        code=code,
                        name=name,
                        geometry=geometry,
                        source_name=source_name[:255],
                        imported_at=moment,
                    )
                )
            else:
                row.name, row.geometry, row.source_name, row.imported_at = (
                    name,
                    geometry,
                    source_name[:255],
                    moment,
                )
                replaced.append(row)
        Boundary.objects.bulk_create(new_rows, batch_size=500)
        Boundary.objects.bulk_update(
            replaced, ["name", "geometry", "source_name", "imported_at"], batch_size=500
        )
        audit.record_many(
            [(row, {"geometry": ["", source_name]}) for row in [*new_rows, *replaced]],
            actor=actor,
            action="导入边界",
            source=source,
            note=f"GeoJSON {source_name}",
            at=moment,
        )
    return GeoJSONSummary(added=len(new_rows), replaced=len(replaced))
