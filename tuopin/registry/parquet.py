"""The registry as Parquet for a Spark cluster: ``tuopin registry export --format parquet DIR``.

Layout (Hive-style partitions, one file per table and county)::

    DIR/manifest.json
    DIR/<table>/province=61/county=610327/part-0.parquet     table: villages households
                                                             persons baselines areas

Only what the exit rules read is written (the facts of :mod:`tuopin.assess.vocabulary`, the
户编号 and the division codes): no names, citizen IDs or phone numbers leave the county.
Only active households and members are written, as the rules see them.

The manifest states the format, each county's rule set and its version (a digest of the rule
files), the as-of date, the parameters HQ stored, the row counts and every file's size and
SHA-256. Re-exporting a county rewrites that county's partitions only: the new files are
written to a staging folder inside DIR, swapped in by renames, and the manifest is replaced
last (write then rename), so a reader never takes a half-written export for a complete one —
files that do not match the manifest are refused (:func:`open_export`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = "tuopin-parquet"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TABLES = ("villages", "households", "persons", "baselines", "areas")


class ExportError(ValueError):
    """A Parquet export cannot be written or read; the message says why, in Chinese."""


def partition(table: str, county_code: str) -> str:
    return f"{table}/province={county_code[:2]}/county={county_code}"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------- schema


def _arrow_type(field):
    import pyarrow as pa
    from django.db import models

    if isinstance(field, models.DecimalField):
        return pa.decimal128(field.max_digits, field.decimal_places)
    if isinstance(field, models.BooleanField):
        return pa.bool_()
    if isinstance(field, models.DateField):
        return pa.date32()
    if isinstance(field, models.SmallIntegerField | models.PositiveSmallIntegerField):
        return pa.int32()
    if isinstance(field, models.IntegerField):
        return pa.int64()
    return pa.string()


def schemas() -> dict[str, Any]:
    """The Arrow schema of each table, derived from the registry's fields."""
    import pyarrow as pa

    from tuopin.assess.models import VillageBaseline
    from tuopin.assess.vocabulary import HOUSEHOLD_FACTS, MEMBER_FACTS
    from tuopin.registry.models import Household, Person, VillageFacts

    def fields(model, paths: Iterable[str]) -> list:
        return [pa.field(path, _arrow_type(model._meta.get_field(path))) for path in paths]

    village_facts = [
        f.name for f in VillageFacts._meta.concrete_fields if f.name not in ("id", "village")
    ]
    village_facts = [name for name in village_facts if name != "updated_at"]
    return {
        "villages": pa.schema(
            [
                pa.field("code", pa.string()),
                pa.field("name", pa.string()),
                pa.field("is_poor_village", pa.bool_()),
                pa.field("has_facts", pa.bool_()),
                *fields(VillageFacts, village_facts),
            ]
        ),
        "households": pa.schema(
            [
                pa.field("household_no", pa.string()),
                pa.field("village_code", pa.string()),
                *fields(Household, [fact.path for fact in HOUSEHOLD_FACTS.values()]),
            ]
        ),
        "persons": pa.schema(
            [
                pa.field("household_no", pa.string()),
                *fields(Person, [fact.path for fact in MEMBER_FACTS.values()]),
            ]
        ),
        "baselines": pa.schema(
            [
                pa.field("village_code", pa.string()),
                pa.field("year", pa.int32()),
                pa.field(
                    "income_share", _arrow_type(VillageBaseline._meta.get_field("income_share"))
                ),
            ]
        ),
        "areas": pa.schema(
            [
                pa.field("code", pa.string()),
                pa.field("name", pa.string()),
                pa.field("level", pa.string()),
            ]
        ),
    }


# ---------------------------------------------------------------- writing


def _county_rows(county) -> dict[str, list[dict[str, Any]]]:
    from tuopin.assess.models import VillageBaseline
    from tuopin.assess.vocabulary import HOUSEHOLD_FACTS, MEMBER_FACTS
    from tuopin.org.models import Level, OrgUnit
    from tuopin.registry.models import Household, Person, VillageFacts

    code = county.code
    villages = list(
        OrgUnit.objects.under(code)
        .filter(level=Level.VILLAGE)
        .order_by("code")
        .values("id", "code", "name", "is_poor_village")
    )
    village_code = {row["id"]: row["code"] for row in villages}
    facts = {
        row["village_id"]: row
        for row in VillageFacts.objects.filter(village__in=village_code).values()
    }
    village_schema = schemas()["villages"]
    fact_names = [
        name
        for name in village_schema.names
        if name not in ("code", "name", "is_poor_village", "has_facts")
    ]
    village_rows = []
    for row in villages:
        fact = facts.get(row["id"])
        village_rows.append(
            {
                "code": row["code"],
                "name": row["name"],
                "is_poor_village": row["is_poor_village"],
                "has_facts": fact is not None,
                **{name: None if fact is None else fact[name] for name in fact_names},
            }
        )
    household_paths = [fact.path for fact in HOUSEHOLD_FACTS.values()]
    households = [
        {
            "household_no": row.pop("household_no"),
            "village_code": village_code[row.pop("village_id")],
            **row,
        }
        for row in Household.objects.filter(is_active=True, village_id__in=village_code)
        .order_by("household_no")
        .values("household_no", "village_id", *household_paths)
        .iterator(chunk_size=5000)
    ]
    member_paths = [fact.path for fact in MEMBER_FACTS.values()]
    persons = [
        {"household_no": row.pop("household__household_no"), **row}
        for row in Person.objects.filter(
            is_active=True, household__is_active=True, household__village_id__in=village_code
        )
        .order_by("household__household_no", "id")
        .values("household__household_no", *member_paths)
        .iterator(chunk_size=5000)
    ]
    baselines = [
        {
            "village_code": village_code[row["village_id"]],
            "year": row["year"],
            "income_share": row["income_share"],
        }
        for row in VillageBaseline.objects.filter(village_id__in=village_code)
        .order_by("village_id", "year")
        .values("village_id", "year", "income_share")
    ]
    areas = [
        {"code": unit.code, "name": unit.name, "level": unit.level}
        for unit in [*county.ancestors(), county]
    ]
    return {
        "villages": village_rows,
        "households": households,
        "persons": persons,
        "baselines": baselines,
        "areas": areas,
    }


def read_manifest(directory: Path) -> dict[str, Any] | None:
    path = directory / MANIFEST
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise ExportError(f"{path} 不是有效的导出清单（JSON 无法读取）") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ExportError(f"{path} 不是 tuopin 的 Parquet 导出清单")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ExportError(
            f"导出清单格式版本为 {manifest.get('format_version')}，本程序只读取版本 {FORMAT_VERSION}"
        )
    if not isinstance(manifest.get("counties"), dict):
        raise ExportError(f"{path} 缺少各县清单（counties）")
    return manifest


def write_json_atomically(path: Path, data: Any) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    temporary.write_text(
        json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8"
    )
    os.replace(temporary, path)


def export(directory: str | Path, counties: list, *, log=lambda message: None) -> dict[str, Any]:
    """Write (or rewrite) the partitions of ``counties`` and update the manifest; returns it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from tuopin.assess import rulesets
    from tuopin.assess.models import RuleParameter
    from tuopin.lib import clock

    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"{directory} 已存在且不是文件夹")
    if directory.exists() and any(directory.iterdir()) and not (directory / MANIFEST).exists():
        raise ExportError(
            f"{directory} 不是空文件夹，也不是已有的 Parquet 导出（没有 {MANIFEST}），请换一个文件夹"
        )
    directory.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(directory) or {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "counties": {},
    }
    as_of = clock.today()
    staging = directory / f".staging-{uuid.uuid4().hex}"
    table_schemas = schemas()
    written: dict[str, dict[str, Any]] = {}
    try:
        for county in counties:
            ruleset = rulesets.for_area(county.code, as_of.year)
            rows = _county_rows(county)
            files = {}
            for table in TABLES:
                relative = f"{partition(table, county.code)}/part-0.parquet"
                target = staging / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                pq.write_table(
                    pa.Table.from_pylist(rows[table], schema=table_schemas[table]),
                    target,
                    compression="zstd",
                )
                files[relative] = {"bytes": target.stat().st_size, "sha256": sha256_of(target)}
            parameters = [
                {"scope_code": row.scope_code, "name": row.name, "value": row.value}
                for row in RuleParameter.objects.filter(ruleset=ruleset.key).order_by(
                    "scope_code", "name"
                )
                if county.code.startswith(row.scope_code)
            ]
            written[county.code] = {
                "name": county.name,
                "province": county.code[:2],
                "as_of": as_of.isoformat(),
                "ruleset": ruleset.key,
                "ruleset_version": rulesets.version(ruleset.key),
                "parameters": parameters,
                "counts": {
                    "villages": len(rows["villages"]),
                    "households": len(rows["households"]),
                    "persons": len(rows["persons"]),
                },
                "files": files,
            }
            log(
                f"{county.code} {county.name}：{len(rows['villages'])} 个村，"
                f"{len(rows['households'])} 户，{len(rows['persons'])} 人"
            )
        # Swap each county's partitions in, then replace the manifest (last, atomically).
        trash = staging / ".old"
        for code in written:
            for table in TABLES:
                new = staging / partition(table, code)
                old = directory / partition(table, code)
                if old.exists():
                    moved = trash / partition(table, code)
                    moved.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(old, moved)
                old.parent.mkdir(parents=True, exist_ok=True)
                os.replace(new, old)
        manifest["counties"].update(written)
        manifest["as_of"] = max(entry["as_of"] for entry in manifest["counties"].values())
        manifest["exported_at"] = clock.now().isoformat()
        manifest["rulesets"] = {
            entry["ruleset"]: entry["ruleset_version"] for entry in manifest["counties"].values()
        }
        manifest["counts"] = {
            key: sum(entry["counts"][key] for entry in manifest["counties"].values())
            for key in ("villages", "households", "persons")
        }
        write_json_atomically(directory / MANIFEST, manifest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class ExportSource:
    """A checked export restricted to an area: the files of each table and the counties."""

    directory: Path
    manifest: dict[str, Any]
    counties: dict[str, dict[str, Any]]

    def files(self, table: str) -> list[str]:
        return [
            str(self.directory / relative)
            for entry in self.counties.values()
            for relative in entry["files"]
            if relative.startswith(f"{table}/")
        ]


def open_export(
    directory: str | Path, area: str | None = None, *, verify: bool = True
) -> ExportSource:
    """Check an export for ``area`` (a code prefix; ``None`` = all of it) before any job runs:
    the manifest, each county's partitions present, sizes and checksums as written."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ExportError(f"找不到数据文件夹 {directory}")
    manifest = read_manifest(directory)
    if manifest is None:
        raise ExportError(
            f"{directory} 中没有导出清单 {MANIFEST}：不是 tuopin registry export --format parquet "
            "写出的完整导出（或导出未完成）"
        )
    counties = {
        code: entry
        for code, entry in sorted(manifest["counties"].items())
        if area is None or code.startswith(area) or area.startswith(code)
    }
    if not counties:
        raise ExportError(f"导出中没有区划 {area} 的数据")
    for code, entry in counties.items():
        files = entry.get("files") or {}
        for table in TABLES:
            if not any(relative.startswith(f"{partition(table, code)}/") for relative in files):
                raise ExportError(f"导出清单中 {code} 缺少 {table} 分区")
        for relative, stated in files.items():
            path = directory / relative
            if not path.is_file():
                raise ExportError(
                    f"缺少分区文件 {relative}（{entry.get('name', code)}）：导出不完整，请重新导出该县"
                )
            if path.stat().st_size != stated.get("bytes"):
                raise ExportError(f"分区文件 {relative} 的大小与导出清单不符：导出不完整或已被改动")
            if verify and sha256_of(path) != stated.get("sha256"):
                raise ExportError(f"分区文件 {relative} 的校验值与导出清单不符：文件已损坏或被改动")
    return ExportSource(directory, manifest, counties)


def as_of(source: ExportSource) -> dt.date:
    return dt.date.fromisoformat(max(entry["as_of"] for entry in source.counties.values()))
