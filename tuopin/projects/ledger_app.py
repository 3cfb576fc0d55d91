"""The project and fund ledger as the engine sees it."""

from __future__ import annotations

from tuopin.ledger.app import LedgerApp
from tuopin.ledger.staging import Stage
from tuopin.projects import actions, importer
from tuopin.projects.layout import PROJECTS

APP = LedgerApp(
    ledger=PROJECTS,
    capability="projects.import",
    stage=Stage("project-imports", "projects_import"),
    plan=importer.plan_import,
    apply=actions.apply_import,
    describe=importer.describe,
    template_filename="项目资金台账导入模板.xlsx",
)
