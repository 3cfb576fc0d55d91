"""The village team ledger (roster and training) as the engine sees it."""

from __future__ import annotations

from tuopin.ledger.app import LedgerApp
from tuopin.ledger.staging import Stage
from tuopin.villages import importer
from tuopin.villages.layout import TEAMS

APP = LedgerApp(
    ledger=TEAMS,
    capability="villages.roster",
    stage=Stage("village-imports", "villages_import"),
    plan=importer.plan_import,
    apply=importer.apply_import,
    describe=importer.describe,
    template_filename="驻村队伍台账导入模板.xlsx",
)
