from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tuopin.bulletin.management.commands._campaign import add_campaign_argument, campaign_from
from tuopin.bulletin.models import Bulletin, Status


class Command(BaseCommand):
    help = (
        "把已发布的某期周通报写成 Word 文档：tuopin bulletin render --number 12 --docx 第12期.docx"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--number", type=int, required=True, help="期号")
        parser.add_argument("--docx", required=True, metavar="FILE", help="输出的 .docx 文件")
        parser.add_argument(
            "--issue-version",
            type=int,
            dest="issue_version",
            help="版本（1 为原版，默认最新的更正版）",
        )
        add_campaign_argument(parser)

    def handle(self, *args, **options) -> None:
        campaign = campaign_from(options)
        issues = Bulletin.objects.filter(
            campaign=campaign, status=Status.PUBLISHED, number=options["number"]
        )
        if options.get("issue_version"):
            issues = issues.filter(version=options["issue_version"])
        bulletin = issues.order_by("-version").first()
        if bulletin is None:
            raise CommandError(
                f"没有已发布的第{options['number']}期周通报"
                + (f"（第{options['issue_version']}版）" if options.get("issue_version") else "")
                + "：请用 tuopin bulletin publish --week … 先发布"
            )
        target = Path(options["docx"])
        if target.suffix.lower() != ".docx":
            raise CommandError(f"输出文件“{target}”应以 .docx 结尾")
        try:
            target.write_bytes(bytes(bulletin.docx))
        except OSError as error:
            raise CommandError(f"无法写入“{target}”：{error.strerror}") from None
        self.stdout.write(f"已写出{bulletin.number_label}（{bulletin.week}）到 {target}")
