"""``tuopin projects import FILE.xlsx [--dry-run]``."""

from tuopin.ledger.commands import ImportCommand
from tuopin.projects.ledger_app import APP


class Command(ImportCommand):
    help = "导入项目资金台账工作簿（工作表：项目、资金）；有任何错误则不导入"
    app = APP
