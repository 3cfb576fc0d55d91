"""The exit assessment on Apache Spark, over a Parquet export (:mod:`tuopin.registry.parquet`).

The rules are the SQL engine's own — the same rule files, parameters and bound ASTs — compiled
by the second back-end :mod:`tuopin.assess.sparksql` into Spark SQL expressions. Only pure
Spark SQL runs on the executors (no Python UDF), so a cluster's workers need Java, not tuopin.

* households: persons grouped by 户编号 (every member aggregate once), joined to the
  households, every item, gate, check and reason value as a column; the driver turns each row
  into a verdict with the SQL engine's own code (:meth:`engine.HouseholdQuery.verdict`).
* villages, counties: the same household columns summed per village in one job; the driver
  judges villages and counties from the sums with the SQL engine's evaluator
  (:meth:`engine.AreaEvaluator.judge`), so both engines print the same.
* roll-up (:func:`rollup`): the per-village sums of every county in one job; county, city,
  province and nation figures (incidence, 三率, 错退/漏评 risk counts, item pass rates).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

from tuopin.assess import engine, rulesets
from tuopin.assess.engine import AreaEvaluator, Context, Evaluation, HouseholdQuery, plain
from tuopin.assess.sparksql import SparkCompiler, quote
from tuopin.lib.ruleexpr import Binary, Call, ExpressionError, Literal, Name, Node
from tuopin.registry import parquet
from tuopin.registry.parquet import ExportError, ExportSource

# Exit codes of the command line (docs/usage/spark.md).
EXIT_BAD_SOURCE = 2
EXIT_NO_JAVA = 3


class SparkUnavailable(RuntimeError):
    """Spark cannot start here (no Java, no pyspark); the message says what to install."""


def java_found() -> bool:
    home = os.environ.get("JAVA_HOME")
    if home and Path(home, "bin", "java").is_file():
        return True
    return shutil.which("java") is not None


def session(master: str | None = None, *, shuffle_partitions: int | None = None):
    """A SparkSession: the running one (spark-submit, tests) or a new one on ``master``."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailable(
            "未安装 pyspark：请安装 tuopin 的 spark 可选依赖（pip install 'tuopin[spark]'）"
        ) from None
    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    if not java_found():
        raise SparkUnavailable(
            "未找到 Java 运行环境：Spark 引擎需要 Java 17（如 apt-get install "
            "openjdk-17-jre-headless），或设置 JAVA_HOME"
        )
    import logging

    logging.getLogger("py4j").setLevel(logging.WARNING)
    builder = SparkSession.builder.appName("tuopin-assess")
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # under spark-submit: its --master rules
    if master or not submitted:
        builder = builder.master(master or "local[*]")
    cores = os.cpu_count() or 2
    for key, value in {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": str(shuffle_partitions or max(4, 2 * cores)),
        "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.driver.memory": os.environ.get("TUOPIN_SPARK_DRIVER_MEMORY", "2g"),
    }.items():
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as error:  # the JVM did not start: Java missing or broken
        raise SparkUnavailable(f"Spark 无法启动：{str(error).splitlines()[0][:300]}") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


# ---------------------------------------------------------------- source and context


def check_rulesets(source: ExportSource, ruleset: rulesets.RuleSet) -> None:
    """Every county of the source was exported under this rule set, in this version."""
    version = rulesets.version(ruleset.key)
    for code, entry in source.counties.items():
        if entry.get("ruleset") != ruleset.key:
            raise ExportError(
                f"{entry.get('name', code)}（{code}）导出时使用规则集 {entry.get('ruleset')}，"
                f"本次评估使用 {ruleset.key}：请用 --ruleset 指定或重新导出"
            )
        if entry.get("ruleset_version") != version:
            raise ExportError(
                f"{entry.get('name', code)}（{code}）导出时的规则集 {ruleset.key} 版本为 "
                f"{entry.get('ruleset_version')}，本程序的版本为 {version}：规则文件已改动，请重新导出"
            )


def stored_parameters(source: ExportSource) -> list[tuple[str, str, str]]:
    """HQ's stored parameters as the export carried them (the same rows for every county)."""
    rows: set[tuple[str, str, str]] = set()
    for entry in source.counties.values():
        for row in entry.get("parameters") or []:
            rows.add((row["scope_code"], row["name"], row["value"]))
    return sorted(rows)


def context_for(
    source: ExportSource,
    area: str,
    *,
    as_of: dt.date | None = None,
    overrides: dict[str, Any] | None = None,
    ruleset_key: str | None = None,
) -> Context:
    context = engine.context_for(
        area,
        as_of=as_of,
        overrides=overrides,
        ruleset_key=ruleset_key,
        stored=stored_parameters(source),
    )
    check_rulesets(source, context.ruleset)
    return context


# ---------------------------------------------------------------- the household table


class SparkAssessment:
    """The compiled household table of a context over a checked export."""

    def __init__(self, spark, source: ExportSource, context: Context) -> None:
        self.spark = spark
        self.source = source
        self.context = context
        self.ruleset = context.ruleset
        self.query = HouseholdQuery(context)

    def bound(self, node: Node) -> Node:
        return self.query.bound(node)

    def table(self, name: str):
        files = self.source.files(name)
        frame = self.spark.read.option("basePath", str(self.source.directory)).parquet(*files)
        return frame

    def households(self, compiler: SparkCompiler, columns: dict[str, str], *, keep=()):
        """Households in the area with ``columns`` (Spark SQL over facts and member totals)."""
        from pyspark.sql import functions as F

        area = self.context.area_code
        households = self.table("households")
        if len(area) > 6:
            households = households.filter(F.col("village_code").startswith(area))
        aggregates = compiler.members.select()
        if aggregates:
            persons = self.table("persons")
            totals = persons.groupBy("household_no").agg(
                *(F.expr(sql).alias(name) for name, sql in aggregates)
            )
            households = households.join(totals, "household_no", "left")
        return households.select(
            *(F.col(name) for name in keep),
            *(F.expr(sql).alias(name) for name, sql in columns.items()),
        )

    # -------------------------------------------------------- households

    def verdict_columns(self) -> tuple[SparkCompiler, dict[str, str]]:
        compiler = SparkCompiler()
        ruleset = self.ruleset
        columns: dict[str, str] = {}
        for name in self.query.fact_names():
            source = "village_code" if name == "village_id" else name
            columns[f"fact__{name}"] = quote(source)
        for key, item in ruleset.household_items.items():
            columns[f"item__{key}"] = compiler.truth(self.bound(item.test))
        for key, gate in ruleset.gates.items():
            columns[f"gate__{key}"] = compiler.truth(self.bound(gate.test))
        for key, check in ruleset.checks.items():
            columns[f"check__{key}"] = compiler.truth(self.bound(check.when))
        for name in sorted(engine.reason_names(ruleset)):
            if name in ruleset.household_values:
                columns[f"value__{name}"] = compiler.value(
                    self.bound(ruleset.household_values[name])
                )
        return compiler, columns

    def household_verdicts(self):
        """Every household's verdict in 户编号 order, as the SQL engine yields them."""
        compiler, columns = self.verdict_columns()
        frame = self.households(compiler, columns).orderBy("fact__household_no")
        for row in frame.toLocalIterator(prefetchPartitions=True):
            yield self.query.verdict(row.asDict())

    # -------------------------------------------------------- villages

    def village_sums(
        self, evaluator: AreaEvaluator, *, group: str = "village_code"
    ) -> dict[str, dict[str, Decimal]]:
        """Per-village sums of the evaluator's household aggregates, in one Spark job."""
        from pyspark.sql import functions as F

        ruleset = self.ruleset
        inner = SparkCompiler()
        known: dict[Node, str] = {}
        flags: dict[str, str] = {}
        two_valued: list[Node] = []
        for prefix, items in (("item", ruleset.household_items), ("gate", ruleset.gates)):
            for key, item in items.items():
                node = self.bound(Call("if", (item.test, Literal(True), Literal(False))))
                known[node] = f"{prefix}__{key}"
                two_valued.append(node)
                flags[f"{prefix}__{key}"] = inner.flag(node)
        verdict: Node = two_valued[0]
        for node in two_valued[1:]:
            verdict = Binary("and", verdict, node)
        known[verdict] = "pass"
        flags["pass"] = inner.flag(verdict)

        outer = SparkCompiler(known)
        outer.members = inner.members  # member totals the sums mention join the same table
        sums: dict[str, str] = {}
        for aggregate in evaluator.plan.by_key.values():
            if aggregate.body is None:
                continue
            body = self.bound(aggregate.body)
            if aggregate.function == "sum":
                sums[aggregate.column] = f"sum({outer.value(body)})"
            else:
                hit, miss = (0, 1) if aggregate.function == "all" else (1, 0)
                sums[aggregate.column] = (
                    f"sum(CASE WHEN {outer.condition(body)} THEN {hit} ELSE {miss} END)"
                )
        # The household columns the sums read: facts, member totals, the 0/1 flags.
        member_columns = [name for name, _ in inner.members.select()]
        columns = {**flags}
        columns.update({name: f"coalesce({quote(name)}, 0)" for name in member_columns})
        from tuopin.assess.vocabulary import HOUSEHOLD_FACTS

        keep = ["village_code", *HOUSEHOLD_FACTS]
        households = self.households(inner, columns, keep=keep)
        grouped = households.groupBy(group).agg(
            F.count(F.lit(1)).alias("n"),
            *(F.expr(sql).alias(column) for column, sql in sums.items()),
        )
        result: dict[str, dict[str, Decimal]] = {}
        for row in grouped.collect():
            values = row.asDict()
            code = values.pop(group)
            result[code] = {key: plain(value) or Decimal(0) for key, value in values.items()}
        return result

    def village_rows(self) -> tuple[list[dict], dict[str, dict], dict[str, Any], dict[str, str]]:
        """Villages, their facts, last year's baselines and the area names, from the export."""
        import pyarrow.parquet as pq

        area = self.context.area_code
        last_year = int(self.context.params["assessment_year"]) - 1
        villages: list[dict] = []
        facts: dict[str, dict] = {}
        baselines: dict[str, Any] = {}
        names: dict[str, str] = {}
        for path in self.source.files("villages"):
            for row in pq.ParquetFile(path).read().to_pylist():
                if not row["code"].startswith(area):
                    continue
                villages.append(
                    {
                        "id": row["code"],
                        "code": row["code"],
                        "name": row["name"],
                        "is_poor_village": row["is_poor_village"],
                    }
                )
                if row["has_facts"]:
                    facts[row["code"]] = row
        for path in self.source.files("baselines"):
            for row in pq.ParquetFile(path).read().to_pylist():
                if row["year"] == last_year and row["village_code"].startswith(area):
                    baselines[row["village_code"]] = row["income_share"]
        for path in self.source.files("areas"):
            for row in pq.ParquetFile(path).read().to_pylist():
                names[row["code"]] = row["name"]
        villages.sort(key=lambda row: row["code"])
        return villages, facts, baselines, names

    def evaluate_area(self, evaluator: AreaEvaluator | None = None) -> Evaluation:
        evaluator = evaluator or AreaEvaluator(self.context)
        villages, facts, baselines, names = self.village_rows()
        sums = self.village_sums(evaluator)
        return evaluator.judge(villages, facts, baselines, sums, names)


# ---------------------------------------------------------------- roll-up


def _number(value: Any) -> float | None:
    value = plain(value)
    if value is None or isinstance(value, bool):
        return None
    return float(Decimal(value).quantize(Decimal("0.0001")))


def rollup(spark, source: ExportSource, context: Context) -> list[dict[str, Any]]:
    """County, city, province and nation figures in one Spark job over every county."""
    assessment = SparkAssessment(spark, source, context)
    evaluator = AreaEvaluator(context)
    ruleset = context.ruleset
    pass_columns: dict[str, str] = {}
    for prefix, items in (("item", ruleset.household_items), ("gate", ruleset.gates)):
        for key, item in items.items():
            two_valued = Call("if", (item.test, Literal(True), Literal(False)))
            counted = evaluator.plan.rewrite(Call("count", (Name("households"), two_valued)))
            assert isinstance(counted, Name)
            pass_columns[key if prefix == "item" else f"gate_{key}"] = counted.name
    evaluation = assessment.evaluate_area(evaluator)
    names = assessment.village_rows()[3]

    rows: list[dict[str, Any]] = []

    def add(level: str, code: str, parent: str, totals: dict[str, Decimal], verdict=None) -> None:
        area = verdict or evaluator.area_total(code, names.get(code, code), totals)
        households = int(totals["n"])
        incidence = None
        if "incidence" in evaluator.county_items:
            try:
                incidence = engine._judge(
                    evaluator.county_items["incidence"], engine.Scope(totals, context.params)
                ).value
            except ExpressionError:
                incidence = None
        rows.append(
            {
                "level": level,
                "code": code,
                "name": area.name,
                "parent": parent,
                "households": households,
                "incidence": _number(incidence),
                "rates": {key: _number(item.value) for key, item in area.rates.items()},
                "risks": dict(area.risks),
                "pass_rates": {
                    key: _number(totals[column] * 100 / totals["n"]) if totals["n"] else None
                    for key, column in pass_columns.items()
                },
                "passed": area.passed if level == "county" else None,
            }
        )

    cities: dict[str, dict[str, Decimal]] = {}
    for county in evaluation.counties:
        add("county", county.code, county.code[:4], county.totals, county)
        for prefix, bucket in ((county.code[:4], cities),):
            target = bucket.setdefault(prefix, {key: Decimal(0) for key in county.totals})
            for key, value in county.totals.items():
                target[key] += value
    provinces: dict[str, dict[str, Decimal]] = {}
    for code, totals in sorted(cities.items()):
        add("city", code, code[:2], totals)
        target = provinces.setdefault(code[:2], {key: Decimal(0) for key in totals})
        for key, value in totals.items():
            target[key] += value
    nation: dict[str, Decimal] = {}
    for code, totals in sorted(provinces.items()):
        add("province", code, "", totals)
        for key, value in totals.items():
            nation[key] = nation.get(key, Decimal(0)) + value
    if nation:
        names.setdefault("", "全国")
        add("nation", "", "", nation)
    return rows


def write_results(directory: str | Path, rows: list[dict[str, Any]], meta: dict[str, Any]) -> None:
    """results.json, results.parquet and a manifest with checksums, all or nothing: written to
    a staging folder beside ``directory`` and renamed into place."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    directory = Path(directory)
    previous = (directory / "results-manifest.json").exists()
    if directory.exists() and not previous and (not directory.is_dir() or any(directory.iterdir())):
        raise ExportError(f"{directory} 已存在且不是以前的评估结果，请换一个文件夹")
    staging = directory.with_name(f".{directory.name}.{uuid.uuid4().hex}.staging")
    staging.mkdir(parents=True)
    try:
        document = {**meta, "areas": rows}
        (staging / "results.json").write_text(
            json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        flat = []
        for row in rows:
            record = {k: v for k, v in row.items() if not isinstance(v, dict)}
            for group in ("rates", "risks", "pass_rates"):
                for key, value in row[group].items():
                    record[f"{group}.{key}"] = value
            flat.append(record)
        pq.write_table(pa.Table.from_pylist(flat), staging / "results.parquet")
        manifest = {
            "format": "tuopin-assess-results",
            "format_version": 1,
            **{k: v for k, v in meta.items() if k != "parameters"},
            "files": {
                name: {
                    "bytes": (staging / name).stat().st_size,
                    "sha256": parquet.sha256_of(staging / name),
                }
                for name in ("results.json", "results.parquet")
            },
        }
        (staging / "results-manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        if directory.exists():
            old = directory.with_name(f".{directory.name}.{uuid.uuid4().hex}.old")
            os.replace(directory, old)
            os.replace(staging, directory)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def read_results(directory: str | Path) -> dict[str, Any]:
    """A results folder, checked against its manifest (for ``tuopin assess import-results``)."""
    directory = Path(directory)
    manifest_path = directory / "results-manifest.json"
    if not manifest_path.is_file():
        raise ExportError(f"{directory} 中没有结果清单 results-manifest.json：不是完整的评估结果")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ExportError("结果清单 results-manifest.json 无法读取") from None
    if not isinstance(manifest, dict) or manifest.get("format") != "tuopin-assess-results":
        raise ExportError("results-manifest.json 不是 tuopin 的评估结果清单")
    for name, stated in (manifest.get("files") or {}).items():
        path = directory / name
        if not path.is_file() or parquet.sha256_of(path) != stated.get("sha256"):
            raise ExportError(f"结果文件 {name} 缺失或与清单不符：结果不完整或已被改动")
    try:
        document = json.loads((directory / "results.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise ExportError("results.json 无法读取") from None
    if not isinstance(document.get("areas"), list):
        raise ExportError("results.json 缺少各区划结果（areas）")
    return document
