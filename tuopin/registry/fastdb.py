"""The registry's bulk writes are the ledger engine's (tuopin.ledger.fastdb)."""

from tuopin.ledger.fastdb import BATCH, db_datetime, db_json, insert_rows, update_rows, without_gc

__all__ = ["BATCH", "db_datetime", "db_json", "insert_rows", "update_rows", "without_gc"]
