"""Shared arguments of ``tuopin assess households|villages|county``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tuopin.assess import engine
from tuopin.assess.rulesets import RuleError
from tuopin.org.models import Level, OrgUnit


class AssessCommand(BaseCommand):
    def add_arguments(self, parser) -> None:
        parser.add_argument("--area", help="区划代码（县、镇或村；默认为唯一的县）")
        parser.add_argument("--as-of", dest="as_of", help="评估基准日 YYYY-MM-DD（默认今天）")
        parser.add_argument(
            "--param",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="临时覆盖规则参数，可重复，如 --param income_line=3200",
        )
        parser.add_argument("--ruleset", help="规则集（默认按区划所在省份和年度选择）")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument(
            "--engine",
            choices=["sql", "spark"],
            default="sql",
            help="sql：本机数据库（默认）；spark：在 Spark 上评估 --source 的 Parquet 导出",
        )
        parser.add_argument(
            "--source", help="spark：tuopin registry export --format parquet 写出的文件夹"
        )
        parser.add_argument(
            "--master",
            help="spark：集群地址，如 spark://主机:7077、k8s://https://…（默认 local[*]）",
        )

    # ------------------------------------------------------------ shared parsing

    def _as_of(self, options: dict[str, Any]) -> dt.date | None:
        if not options.get("as_of"):
            return None
        try:
            return dt.date.fromisoformat(options["as_of"])
        except ValueError:
            raise CommandError(f"--as-of 应为日期 YYYY-MM-DD，实际为“{options['as_of']}”") from None

    def _overrides(self, options: dict[str, Any]) -> dict[str, str]:
        overrides = {}
        for item in options.get("param") or []:
            name, sep, value = item.partition("=")
            if not sep or not name.strip():
                raise CommandError(f"--param 应写成 NAME=VALUE，实际为“{item}”")
            overrides[name.strip()] = value.strip()
        return overrides

    def context(self, options: dict[str, Any]) -> engine.Context:
        area = options.get("area")
        if not area:
            counties = list(
                OrgUnit.objects.filter(level=Level.COUNTY).values_list("code", flat=True)
            )
            if len(counties) != 1:
                raise CommandError("请用 --area 指定区划代码（数据库中有多个县或没有县）")
            area = counties[0]
        elif not OrgUnit.objects.filter(code=area).exists():
            raise CommandError(f"区划代码 {area} 不存在")
        as_of = self._as_of(options)
        overrides = self._overrides(options)
        try:
            return engine.context_for(
                area, as_of=as_of, overrides=overrides, ruleset_key=options.get("ruleset")
            )
        except (RuleError, ValueError) as error:
            raise CommandError(str(error)) from None

    # ------------------------------------------------------------ the Spark engine

    def spark_assessment(self, options: dict[str, Any], *, default_area: str | None = None):
        """The checked export, the context and a SparkSession; every refusal before any output."""
        from tuopin.assess import spark
        from tuopin.registry import parquet

        if not options.get("source"):
            raise CommandError("--engine spark 需要 --source 指定 Parquet 导出文件夹")
        area = options.get("area") or default_area
        try:
            source = parquet.open_export(options["source"], area)
            if not area:
                if len(source.counties) != 1:
                    raise CommandError(
                        "请用 --area 指定区划代码（导出中有多个县）",
                        returncode=spark.EXIT_BAD_SOURCE,
                    )
                area = next(iter(source.counties))
            context = spark.context_for(
                source,
                area,
                as_of=self._as_of(options),
                overrides=self._overrides(options),
                ruleset_key=options.get("ruleset"),
            )
        except parquet.ExportError as error:
            raise CommandError(str(error), returncode=spark.EXIT_BAD_SOURCE) from None
        except (RuleError, ValueError) as error:
            raise CommandError(str(error)) from None
        try:
            session = spark.session(options.get("master"))
        except spark.SparkUnavailable as error:
            raise CommandError(str(error), returncode=spark.EXIT_NO_JAVA) from None
        return spark.SparkAssessment(session, source, context)

    def evaluation(self, options: dict[str, Any]) -> tuple[engine.Context, engine.Evaluation]:
        if options.get("engine") == "spark":
            assessment = self.spark_assessment(options)
            return assessment.context, assessment.evaluate_area()
        context = self.context(options)
        return context, engine.evaluate_area(context)

    def emit_json(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=1))
