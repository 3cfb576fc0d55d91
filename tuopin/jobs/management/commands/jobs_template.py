from tuopin.jobs.ledger_app import JOBS_APP
from tuopin.ledger.commands import TemplateCommand


class Command(TemplateCommand):
    help = "生成就业台账导入模板"
    app = JOBS_APP
