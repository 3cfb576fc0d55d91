"""The household files as the engine sees them."""

from __future__ import annotations

from tuopin.households import actions, importer
from tuopin.households.layout import HOUSEHOLD_FILES
from tuopin.ledger.app import LedgerApp
from tuopin.ledger.staging import Stage

APP = LedgerApp(
    ledger=HOUSEHOLD_FILES,
    capability="households.import",
    stage=Stage("household-imports", "households_import"),
    plan=importer.plan_import,
    apply=actions.apply_import,
    describe=importer.describe,
    template_filename="帮扶档案导入模板.xlsx",
)
