"""``tuopin assess households``: every household's verdict (registered or not)."""

from __future__ import annotations

import json

from tuopin.assess import engine
from tuopin.assess.management.commands._assess import AssessCommand


class Command(AssessCommand):
    help = "评估区划内每一户（含非建档立卡户）的退出条件：收入、住房、教育、医疗、饮水"

    def handle(self, *args, **options) -> None:
        if options["engine"] == "spark":
            assessment = self.spark_assessment(options)
            context, verdicts = assessment.context, assessment.household_verdicts()
        else:
            context = self.context(options)
            verdicts = engine.household_verdicts(context)
        if options["format"] == "json":
            self.stdout.write("[")
            first = True
            for verdict in verdicts:
                prefix = "" if first else ","
                self.stdout.write(prefix + json.dumps(verdict.as_json(), ensure_ascii=False))
                first = False
            self.stdout.write("]")
            return
        total = failing = 0
        for verdict in verdicts:
            total += 1
            if not verdict.passed:
                failing += 1
                kind = "建档" if verdict.registered else "非建档"
                self.stdout.write(
                    f"{verdict.household_no} {kind} 未达标：{'；'.join(verdict.reasons)}"
                )
        self.stdout.write(
            f"共 {total} 户，未达标 {failing} 户（{context.ruleset.name}，基准日 {context.as_of}）"
        )
