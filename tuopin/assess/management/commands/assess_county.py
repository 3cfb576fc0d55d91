"""``tuopin assess county``: the 7 county items and the estimated 三率; with ``--engine spark
--level province|nation --out DIR`` the roll-up of every county of a Parquet export."""

from __future__ import annotations

import dataclasses

from django.core.management.base import CommandError

from tuopin.assess import present
from tuopin.assess.management.commands._assess import AssessCommand


class Command(AssessCommand):
    help = "评估县的 7 项摘帽指标（及错退率、漏评率、综合贫困发生率估计）"

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--level",
            choices=["county", "province", "nation"],
            default="county",
            help="spark：province/nation 汇总导出中各县、市、省（及全国）的结果",
        )
        parser.add_argument("--out", help="汇总结果（Parquet 和 JSON）写入的文件夹")

    def handle(self, *args, **options) -> None:
        if options["level"] != "county":
            self.rollup(options)
            return
        context, evaluation = self.evaluation(options)
        if len(context.area_code) != 6:
            raise CommandError(f"--area 应为县级代码（6 位），实际为 {context.area_code}")
        county = evaluation.area
        if options["format"] == "json":
            self.emit_json(present.county_json(county))
            return
        self.stdout.write(f"{county.name}（{county.code}）：{present.verdict_label(county.passed)}")
        for item in county.items.values():
            self.stdout.write("  " + present.item_line(item))
        for item in county.rates.values():
            self.stdout.write("  " + present.item_line(item))

    def rollup(self, options) -> None:
        from tuopin.assess import rulesets, spark
        from tuopin.registry import parquet

        if options["engine"] != "spark":
            raise CommandError("--level province/nation 只能与 --engine spark 一起使用")
        if not options.get("out"):
            raise CommandError("汇总需要 --out 指定结果文件夹")
        area = options.get("area")
        if options["level"] == "province":
            if not area or len(area) != 2:
                raise CommandError("--level province 需要 --area 指定 2 位省级代码")
        elif area:
            raise CommandError("--level nation 汇总导出中的全部县，不需要 --area")
        if area is None:
            # The nation: the context of the export's first province (the 三率 are national).
            try:
                first = next(iter(parquet.open_export(options["source"] or "", None).counties))
            except parquet.ExportError as error:
                raise CommandError(str(error), returncode=spark.EXIT_BAD_SOURCE) from None
            options = {**options, "area": first[:2]}
        assessment = self.spark_assessment(options)
        context = assessment.context
        if options["level"] == "nation":
            try:
                source = parquet.open_export(options["source"], None)
                spark.check_rulesets(source, context.ruleset)
            except parquet.ExportError as error:
                raise CommandError(str(error), returncode=spark.EXIT_BAD_SOURCE) from None
            context = dataclasses.replace(context, area_code="")
            assessment = spark.SparkAssessment(assessment.spark, source, context)
        rows = spark.rollup(assessment.spark, assessment.source, context)
        meta = {
            "level": options["level"],
            "ruleset": context.ruleset.key,
            "ruleset_version": rulesets.version(context.ruleset.key),
            "as_of": context.as_of.isoformat(),
            "source_as_of": parquet.as_of(assessment.source).isoformat(),
            "counties": sum(1 for row in rows if row["level"] == "county"),
            "parameters": {
                key: context.ruleset.parameters[key].format(value)
                for key, value in context.params.items()
                if key in context.ruleset.parameters
            },
        }
        try:
            spark.write_results(options["out"], rows, meta)
        except parquet.ExportError as error:
            raise CommandError(str(error), returncode=spark.EXIT_BAD_SOURCE) from None
        if options["format"] == "json":
            self.emit_json({**meta, "areas": rows})
            return
        self.stdout.write(
            f"已汇总 {meta['counties']} 个县（{context.ruleset.name}，基准日 {context.as_of}）"
            f" → {options['out']}"
        )
        for row in rows:
            if row["level"] in ("province", "nation"):
                rates = "，".join(
                    f"{context.ruleset.rate_items[key].label} {value}%"
                    for key, value in row["rates"].items()
                    if value is not None
                )
                self.stdout.write(
                    f"{row['name']}：{row['households']} 户，贫困发生率 {row['incidence']}%，{rates}，"
                    f"错退风险 {row['risks'].get('wrong_exit')} 户，漏评风险 {row['risks'].get('missed')} 户"
                )
