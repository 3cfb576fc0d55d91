from tuopin.jobs.ledger_app import ECONOMY_APP
from tuopin.ledger.commands import ImportCommand


class Command(ImportCommand):
    help = "导入村集体经济台账"
    app = ECONOMY_APP
