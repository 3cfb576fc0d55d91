"""``tuopin villages checklists`` — define the shipped checklists that do not exist yet."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tuopin.villages import shipped


class Command(BaseCommand):
    help = "建立作战计划要求的检查清单（三无一规范一眼净、长效保洁机制等；已有的不变）"

    def handle(self, *args, **options) -> None:
        made = shipped.ship(None, check=False, source="cli")
        for template in made:
            self.stdout.write(f"已建立：{template}（{template.items.count()} 项）")
        if not made:
            self.stdout.write("检查清单均已存在，未作改动")
