"""``tuopin assess villages``: the 7 village items for every village in the area."""

from __future__ import annotations

from tuopin.assess import present
from tuopin.assess.management.commands._assess import AssessCommand


class Command(AssessCommand):
    help = "评估区划内每个村的 7 项退出指标"

    def handle(self, *args, **options) -> None:
        _context, evaluation = self.evaluation(options)
        if options["format"] == "json":
            self.emit_json([present.village_json(v) for v in evaluation.villages])
            return
        for village in evaluation.villages:
            mark = "贫困村" if village.is_poor_village else "非贫困村"
            self.stdout.write(
                f"{village.code} {village.name}（{mark}）{present.verdict_label(village.passed)}："
                + "；".join(present.item_line(item) for item in village.items.values())
            )
