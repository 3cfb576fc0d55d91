from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from tuopin.lib import planparse


class Command(BaseCommand):
    help = "解析工作方案（.txt 或 .docx），输出识别出的行动、时间节点、阶段和提示"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--year", type=int, help="文件中没有印发日期时，用于换算日期的年份")
        parser.add_argument("--marks", action="store_true", help="JSON 中包含原文高亮位置")

    def handle(
        self, *args, file: str, format: str, year: int | None, marks: bool, **options
    ) -> None:
        try:
            parsed = planparse.parse(planparse.read_path(file), year=year)
        except planparse.ParseError as error:
            raise CommandError(str(error)) from None
        if format == "json":
            if not marks:
                parsed.pop("marks", None)
            self.stdout.write(json.dumps(parsed, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"{parsed['title']}\n{parsed['issuer']} {parsed['issued_on'] or '（无印发日期）'}"
        )
        for goal in parsed["goals"]:
            value = f"{goal['value']}{goal['unit']}" if goal["value"] is not None else ""
            self.stdout.write(f"目标：{value} {goal['text']}")
        for phase in parsed["phases"]:
            self.stdout.write(f"阶段：{phase['name']} {phase['start']} 至 {phase['end']}")
        for action in parsed["actions"]:
            self.stdout.write(
                f"（{action['number']}）{action['title']}　责任领导：{'、'.join(action['leaders'])}"
                f"　责任单位：{'、'.join(action['units'])}"
            )
            for milestone in action["milestones"]:
                target = milestone["target"]
                shown = f"　目标 {target['value']}{target['unit']}" if target else ""
                self.stdout.write(
                    f"    {milestone['deadline'][:10]} {milestone['text'][:50]}{shown}"
                )
        reporting = parsed["reporting"]
        if reporting:
            sign = "，须主要领导签字" if reporting["sign_off"] else ""
            self.stdout.write(
                f"周报：每周{'一二三四五六日'[reporting['weekday'] - 1]} {reporting['time']} 前{sign}"
            )
        for warning in parsed["warnings"]:
            where = f"第{warning['line']}行：" if warning["line"] else ""
            self.stdout.write(f"提示：{where}{warning['message']}")
