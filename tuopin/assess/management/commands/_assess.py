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
        as_of = None
        if options.get("as_of"):
            try:
                as_of = dt.date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError(
                    f"--as-of 应为日期 YYYY-MM-DD，实际为“{options['as_of']}”"
                ) from None
        overrides = {}
        for item in options.get("param") or []:
            name, sep, value = item.partition("=")
            if not sep or not name.strip():
                raise CommandError(f"--param 应写成 NAME=VALUE，实际为“{item}”")
            overrides[name.strip()] = value.strip()
        try:
            return engine.context_for(
                area, as_of=as_of, overrides=overrides, ruleset_key=options.get("ruleset")
            )
        except (RuleError, ValueError) as error:
            raise CommandError(str(error)) from None

    def emit_json(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=1))
