"""The SQLite backend queues the writers of one process on a lock instead of SQLite's polling."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from tuopin.lib.sqlite import base as sqlite_base
from tuopin.org.models import OrgUnit

pytestmark = pytest.mark.django_db(transaction=True)


def _held() -> bool:
    if sqlite_base._writers.acquire(blocking=False):
        sqlite_base._writers.release()
        return False
    return True


def test_the_lock_is_held_for_a_transaction_and_released_after_commit_rollback_and_close():
    assert not _held()
    if connection.vendor != "sqlite":  # PostgreSQL locks rows, never the process
        with transaction.atomic():
            assert not _held()
        return
    with transaction.atomic():
        assert _held()
        with transaction.atomic():  # a savepoint takes nothing more
            assert _held()
    assert not _held()

    with pytest.raises(RuntimeError), transaction.atomic():
        assert _held()
        raise RuntimeError("rolled back")
    assert not _held()

    with transaction.atomic():
        connection.close()
    assert not _held()


def test_many_threads_writing_at_once_all_commit_in_turn():
    errors: list[BaseException] = []
    inside = 0
    most_inside = 0
    guard = threading.Lock()

    def write(number: int) -> None:
        nonlocal inside, most_inside
        try:
            for turn in range(10):
                with transaction.atomic():
                    with guard:
                        inside += 1
                        most_inside = max(most_inside, inside)
                    OrgUnit.objects.create(
                        code=f"99{number:02d}{turn:08d}",
                        name=f"测试{number}-{turn}",
                        level="village",
                    )
                    time.sleep(0.001)
                    with guard:
                        inside -= 1
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    if connection.vendor == "sqlite":  # one writer at a time; PostgreSQL lets them overlap
        assert most_inside == 1
    assert OrgUnit.objects.filter(code__startswith="99").count() == 120
    assert not _held()
