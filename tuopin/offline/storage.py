"""The media storage, able to say which files a queued form's view wrote.

A queued form that the server refuses is rolled back whole, but a photo the view had already
saved is a file on disk, outside the transaction. :func:`written` records every file saved in
its block (this thread only); ``offline.sync.accept`` deletes them unless the transaction
committed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar

from django.core.files.storage import FileSystemStorage, Storage

_written: ContextVar[list[tuple[Storage, str]] | None] = ContextVar(
    "tuopin_offline_written", default=None
)


class MediaStorage(FileSystemStorage):
    """Django's file system storage; a file saved inside :func:`written` is noted."""

    def _save(self, name, content):
        name = super()._save(name, content)
        found = _written.get()
        if found is not None:
            found.append((self, name))
        return name


@contextmanager
def written() -> Iterator[list[tuple[Storage, str]]]:
    found: list[tuple[Storage, str]] = []
    token = _written.set(found)
    try:
        yield found
    finally:
        _written.reset(token)


def remove(files: list[tuple[Storage, str]]) -> None:
    for storage, name in files:
        # Nothing refers to it any more (its rows were rolled back); already gone is fine.
        with suppress(OSError):
            storage.delete(name)
