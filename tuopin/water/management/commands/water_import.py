from tuopin.ledger.commands import ImportCommand
from tuopin.water.ledger_app import APP


class Command(ImportCommand):
    help = "导入安全饮水台账（供水点、受益农户、水质检测）"
    app = APP
