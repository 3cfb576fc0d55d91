"""The sane ranges of ``lib.bounds`` as Django form validators, for every date and count field.

Django parses ``9999-12-31`` happily; working-day arithmetic on it then overflows. These
validators refuse such a value on the form, with Django's Chinese message naming the limit.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator

from tuopin.lib import bounds, clock

SANE_DATE = [MinValueValidator(bounds.EARLIEST_DATE), MaxValueValidator(bounds.LATEST_DATE)]
SANE_MOMENT = [
    MinValueValidator(clock.at(bounds.EARLIEST_DATE)),
    MaxValueValidator(clock.end_of_day(bounds.LATEST_DATE)),
]
