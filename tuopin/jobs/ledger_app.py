"""The employment and collective-economy ledgers as the engine sees them."""

from __future__ import annotations

from functools import partial

from tuopin.jobs import importer
from tuopin.jobs.layout import ECONOMY, JOBS
from tuopin.ledger.app import LedgerApp
from tuopin.ledger.keyed import apply
from tuopin.ledger.staging import Stage

JOBS_APP = LedgerApp(
    ledger=JOBS,
    capability="jobs.import",
    stage=Stage("jobs-imports", "jobs_import"),
    plan=importer.plan_jobs,
    apply=partial(apply, ledger="jobs"),
    describe=importer.describe_jobs,
    template_filename="就业台账导入模板.xlsx",
)
ECONOMY_APP = LedgerApp(
    ledger=ECONOMY,
    capability="economy.import",
    stage=Stage("economy-imports", "economy_import"),
    plan=importer.plan_economy,
    apply=partial(apply, ledger="economy"),
    describe=importer.describe_economy,
    template_filename="村集体经济台账导入模板.xlsx",
)
