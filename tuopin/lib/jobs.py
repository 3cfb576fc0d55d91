"""The worker's job registry: apps register periodic jobs; `tuopin worker` / `tuopin tick` run them.

A job is a function ``job(now) -> int`` (how many things it did). It must be idempotent and claim
its rows with a conditional UPDATE, so two workers running at once never do the same thing twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[dt.datetime], int]
    order: int = 100  # lower runs first (close periods before reminding, before publishing)


_jobs: dict[str, Job] = {}


def register(name: str, run: Callable[[dt.datetime], int], *, order: int = 100) -> None:
    _jobs[name] = Job(name, run, order)


def all_jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda job: (job.order, job.name))
