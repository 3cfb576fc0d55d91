"""``tuopin villages template FILE.xlsx``."""

from tuopin.ledger.commands import TemplateCommand
from tuopin.villages.ledger_app import APP


class Command(TemplateCommand):
    help = "生成驻村队伍台账导入模板（队伍、培训两张工作表，带下拉列表）"
    app = APP
