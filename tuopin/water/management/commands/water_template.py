from tuopin.ledger.commands import TemplateCommand
from tuopin.water.ledger_app import APP


class Command(TemplateCommand):
    help = "生成安全饮水台账导入模板"
    app = APP
