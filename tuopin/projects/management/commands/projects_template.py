"""``tuopin projects template FILE.xlsx``."""

from tuopin.ledger.commands import TemplateCommand
from tuopin.projects.ledger_app import APP


class Command(TemplateCommand):
    help = "生成项目资金台账导入模板（含表头和下拉列表）"
    app = APP
