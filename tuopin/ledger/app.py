"""What a ledger plugs into the engine to get import (CLI and web), template and history.

A :class:`LedgerApp` names the ledger's declaration, who may import, where staged uploads wait,
and its two functions: ``plan(sheets, user=…)`` (check everything, write nothing) and
``apply(plan, actor=…, source=…, filename=…, sha256=…)`` (write a plan without problems).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tuopin.ledger import workbook
from tuopin.ledger.cells import LedgerPlan
from tuopin.ledger.fastdb import without_gc
from tuopin.ledger.layout import Ledger
from tuopin.ledger.reader import Sheet, read_workbook
from tuopin.ledger.staging import Stage


@dataclass(frozen=True)
class LedgerApp:
    ledger: Ledger
    capability: str  # needed to import (org.access capability)
    stage: Stage
    plan: Callable[..., LedgerPlan]
    apply: Callable[..., Any]
    describe: Callable[[dict[str, int]], str]  # the change counts as one Chinese line
    template_filename: str

    def read(self, source: str | Path | bytes | IO[bytes], filename: str = "") -> dict[str, Sheet]:
        return read_workbook(source, filename, self.ledger)

    def check(self, source, filename: str, user=None) -> LedgerPlan:
        """Read and check a workbook (raises reader.WorkbookRefused for an unreadable file).

        The cyclic garbage collector pauses meanwhile: a plan allocates a dict or tuple per row
        that lives until the plan is done, and each collection would walk them all again."""
        with without_gc():
            return self.plan(self.read(source, filename), user=user)

    def write_template(self, target: str | Path | IO[bytes]) -> None:
        workbook.write_template(target, self.ledger)
