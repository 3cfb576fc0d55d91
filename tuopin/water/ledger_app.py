"""The water ledger as the engine sees it."""

from __future__ import annotations

from tuopin.ledger.app import LedgerApp
from tuopin.ledger.staging import Stage
from tuopin.water import actions, importer
from tuopin.water.layout import WATER

APP = LedgerApp(
    ledger=WATER,
    capability="water.import",
    stage=Stage("water-imports", "water_import"),
    plan=importer.plan_import,
    apply=actions.apply_import,
    describe=importer.describe_counts,
    template_filename="安全饮水台账导入模板.xlsx",
)
