from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tuopin.bulletin.actions import BulletinError, publish_bulletin, reissue_bulletin
from tuopin.bulletin.management.commands._campaign import add_campaign_argument, campaign_from
from tuopin.bulletin.models import Bulletin, Status
from tuopin.bulletin.weeks import Week, WeekError


class Command(BaseCommand):
    help = (
        "发布某周的周通报（内容冻结，编号、内容摘要和 Word 文档不再改变）："
        'tuopin bulletin publish --week 2018-W30；更正重发加 --reissue "更正原因"'
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--week", required=True, help="ISO 周，如 2018-W30")
        parser.add_argument(
            "--reissue", metavar="原因", help="对该周已发布的通报更正重发，并写明原因"
        )
        add_campaign_argument(parser)

    def handle(self, *args, **options) -> None:
        campaign = campaign_from(options)
        try:
            week = Week.parse(options["week"])
            if options.get("reissue") is not None:
                latest = (
                    Bulletin.objects.filter(
                        campaign=campaign,
                        week=str(week),
                        status=Status.PUBLISHED,
                        replaced_by__isnull=True,
                    )
                    .order_by("-version")
                    .first()
                )
                if latest is None:
                    raise BulletinError(f"{week} 还没有已发布的周通报，无需更正，请直接发布")
                bulletin = reissue_bulletin(
                    latest, reason=options["reissue"], actor=None, source="cli"
                )
            else:
                bulletin = publish_bulletin(campaign, week, actor=None, source="cli")
        except (WeekError, BulletinError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"已发布{bulletin.number_label}（{bulletin.week}）：{bulletin.title}\n"
            f"内容摘要 SHA-256 {bulletin.content_hash}"
        )
