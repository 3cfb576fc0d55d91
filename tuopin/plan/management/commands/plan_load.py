from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tuopin.lib import planparse
from tuopin.org.models import Level, OrgUnit
from tuopin.plan import revision
from tuopin.plan.actions import LoadRefused, check, load_campaign, revise_campaign
from tuopin.plan.models import Campaign


class Command(BaseCommand):
    help = (
        "解析工作方案并导入为作战计划（不经核对）；与本县已有计划同名时作为其修订版导入并列出变化；"
        "单位无法识别时拒绝导入并列出"
    )

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
        target = parser.add_mutually_exclusive_group()
        target.add_argument(
            "--campaign", type=int, help="作为该编号作战计划的修订版导入（默认按标题自动识别）"
        )
        target.add_argument(
            "--new", action="store_true", help="即使与已有计划同名，也导入为新的作战计划"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="只列出修订会带来的变化，不写数据库"
        )

    def handle(self, *args, file: str, county: str | None, year: int | None, **options) -> None:
        target = self._county(county)
        try:
            text = planparse.read_path(file)
            parsed = planparse.parse(text, year=year)
        except planparse.ParseError as error:
            raise CommandError(str(error)) from None
        revised = self._revised(options["campaign"], options["new"], parsed, target)
        if options["dry_run"]:
            self._dry_run(revised, parsed, target, options["allow_unresolved"])
            return
        load = {
            "source": "cli",
            "source_name": file.rsplit("/", 1)[-1],
            "source_text": text,
            "allow_unresolved": options["allow_unresolved"],
        }
        try:
            if revised is not None:
                result = revise_campaign(revised, parsed, **load)
            else:
                result = load_campaign(parsed, target, activate=not options["inactive"], **load)
        except LoadRefused as refused:
            raise CommandError("导入未执行，发现以下问题：\n" + "\n".join(refused.errors)) from None
        campaign = result.campaign
        if result.diff is not None:
            self.stdout.write(
                f"已将作战计划“{campaign.title}”（编号 {campaign.pk}）更新为第{campaign.revision}版："
            )
            self._write_diff(result.diff)
        else:
            self.stdout.write(
                f"已导入作战计划“{campaign.title}”（编号 {campaign.pk}）：{campaign.actions.count()} 个专项行动，"
                f"{sum(a.milestones.count() for a in campaign.actions.all())} 个时间节点，"
                f"{campaign.phases.count()} 个阶段"
            )
        for warning in campaign.parse_warnings:
            self.stdout.write(f"提示：{warning}")

    def _revised(self, campaign_id: int | None, new: bool, parsed, county: OrgUnit):
        if new:
            return None
        if campaign_id is None:
            return revision.find_revised_campaign(parsed, county)
        campaign = Campaign.objects.filter(pk=campaign_id, county=county).first()
        if campaign is None:
            raise CommandError(f"本县没有编号为 {campaign_id} 的作战计划")
        return campaign

    def _dry_run(self, revised, parsed, county: OrgUnit, allow_unresolved: bool) -> None:
        if revised is None:
            raise CommandError("没有要修订的作战计划：--dry-run 只用于修订（可用 --campaign 指定）")
        resolved, errors, _ = check(parsed, county, allow_unresolved=allow_unresolved)
        if errors:
            raise CommandError("修订无法执行，发现以下问题：\n" + "\n".join(errors))
        self.stdout.write(
            f"试运行：作战计划“{revised.title}”（编号 {revised.pk}）第{revised.revision + 1}版将有以下变化（未写入）："
        )
        self._write_diff(revision.compare(revised, parsed, resolved))

    def _write_diff(self, diff: revision.RevisionDiff) -> None:
        lines = diff.lines()
        for line in (lines or ["没有变化"]) + diff.kept_lines():
            self.stdout.write(f"  {line}")

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
