"""Reading a registry workbook: the ledger engine's reader (tuopin.ledger.reader) with the
村/户/人 declaration. Before calamine parses anything ``lib.xlsx_guard`` checks the zip directory
and the used range of the sheets; then python-calamine reads each needed sheet in one call.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from tuopin.ledger import reader as ledger_reader
from tuopin.ledger.reader import Sheet, WorkbookRefused
from tuopin.registry.layout import REGISTRY

__all__ = ["Sheet", "WorkbookRefused", "check_archive", "read_workbook"]


def check_archive(data: bytes, filename: str) -> None:
    """Refuse files that are not workbooks (.xlsx, .xls), zip bombs and absurd used ranges."""
    ledger_reader.check_archive(data, filename, REGISTRY)


def read_workbook(source: str | Path | bytes | IO[bytes], filename: str = "") -> dict[str, Sheet]:
    """The 村/户/人 sheets present in the workbook (absent ones are simply missing)."""
    return ledger_reader.read_workbook(source, filename, REGISTRY)
