"""``tuopin villages import FILE.xlsx [--dry-run]``."""

from tuopin.ledger.commands import ImportCommand
from tuopin.villages.ledger_app import APP


class Command(ImportCommand):
    help = "导入驻村队伍台账工作簿（工作表：队伍、培训）；有任何错误则不导入"
    app = APP
