"""``tuopin households template FILE.xlsx``."""

from tuopin.households.ledger_app import APP
from tuopin.ledger.commands import TemplateCommand


class Command(TemplateCommand):
    help = "生成帮扶档案导入模板（含表头和下拉列表）"
    app = APP
