from tuopin.jobs.ledger_app import ECONOMY_APP
from tuopin.ledger.commands import TemplateCommand


class Command(TemplateCommand):
    help = "生成村集体经济台账导入模板"
    app = ECONOMY_APP
