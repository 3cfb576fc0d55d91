"""``tuopin households import FILE.xlsx [--dry-run]``."""

from tuopin.households.ledger_app import APP
from tuopin.ledger.commands import ImportCommand


class Command(ImportCommand):
    help = (
        "导入帮扶档案工作簿（工作表：基地合作社、帮扶措施、危房改造、易地搬迁）；有任何错误则不导入"
    )
    app = APP
