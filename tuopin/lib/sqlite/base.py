"""Django's SQLite backend, with the writers of one process queued on a lock instead of polling.

SQLite lets one writer in at a time. A transaction here starts with ``BEGIN IMMEDIATE``; when
another connection holds the write lock, SQLite's busy handler sleeps and retries with growing
pauses (up to 100 ms each), so under a burst of writers (the Friday-noon rush) a request can wait
far longer than the work in front of it, and some wait seconds while later ones slip through.

The threads of one server process therefore queue on a process-wide lock before ``BEGIN``: the
next writer starts the moment the previous one commits, in turn. Writers in other processes
(the worker, a command) still meet SQLite's own lock and busy timeout, as before. The lock is held
from the outermost transaction's ``BEGIN`` to its commit, rollback or the connection's close; a
writer that cannot get it within the connection's timeout goes ahead and lets SQLite decide, so a
stuck holder can never block more than SQLite itself would.
"""

from __future__ import annotations

import threading

from django.db.backends.sqlite3 import base

_writers = threading.Lock()


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_writer_lock = False

    def _start_transaction_under_autocommit(self):
        if self.transaction_mode in ("IMMEDIATE", "EXCLUSIVE") and not self._holds_writer_lock:
            timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
            self._holds_writer_lock = _writers.acquire(timeout=timeout)
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer_lock()
            raise

    def _set_autocommit(self, autocommit):
        try:
            super()._set_autocommit(autocommit)
        finally:
            if autocommit:
                self._release_writer_lock()

    def _close(self):
        try:
            super()._close()
        finally:
            self._release_writer_lock()

    def _release_writer_lock(self):
        if self._holds_writer_lock:
            self._holds_writer_lock = False
            _writers.release()
