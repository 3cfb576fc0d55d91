from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tuopin.lib import planparse
from tuopin.org.models import Level, OrgUnit
from tuopin.plan.actions import LoadRefused, load_campaign


class Command(BaseCommand):
    help = "解析工作方案并导入为作战计划（不经核对）；单位无法识别时拒绝导入并列出"

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument("--county", help="县级区划代码（只有一个县时可省略）")
        parser.add_argument("--year", type=int, help="文件中没有印发日期时，用于换算日期的年份")
        parser.add_argument(
            "--allow-unresolved",
            action="store_true",
            help="找不到的责任单位只作提示（保留原文），不拒绝导入",
        )
        parser.add_argument("--inactive", action="store_true", help="导入但不设为当前作战计划")

    def handle(self, *args, file: str, county: str | None, year: int | None, **options) -> None:
        target = self._county(county)
        try:
            text = planparse.read_path(file)
            parsed = planparse.parse(text, year=year)
            result = load_campaign(
                parsed,
                target,
                source="cli",
                source_name=file.rsplit("/", 1)[-1],
                source_text=text,
                allow_unresolved=options["allow_unresolved"],
                activate=not options["inactive"],
            )
        except planparse.ParseError as error:
            raise CommandError(str(error)) from None
        except LoadRefused as refused:
            raise CommandError("导入未执行，发现以下问题：\n" + "\n".join(refused.errors)) from None
        campaign = result.campaign
        self.stdout.write(
            f"已导入作战计划“{campaign.title}”（编号 {campaign.pk}）：{campaign.actions.count()} 个专项行动，"
            f"{sum(a.milestones.count() for a in campaign.actions.all())} 个时间节点，"
            f"{campaign.phases.count()} 个阶段"
        )
        for warning in campaign.parse_warnings:
            self.stdout.write(f"提示：{warning}")

    def _county(self, code: str | None) -> OrgUnit:
        counties = OrgUnit.objects.filter(level=Level.COUNTY)
        if code:
            county = counties.filter(code=code).first()
            if county is None:
                raise CommandError(f"找不到县级区划 {code}：请先导入区划代码（tuopin org import）")
            return county
        found = list(counties[:2])
        if len(found) != 1:
            raise CommandError("请用 --county 指定县级区划代码（如 --county 610327）")
        return found[0]
