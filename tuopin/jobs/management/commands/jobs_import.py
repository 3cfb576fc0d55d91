from tuopin.jobs.ledger_app import JOBS_APP
from tuopin.ledger.commands import ImportCommand


class Command(ImportCommand):
    help = "导入就业台账"
    app = JOBS_APP
