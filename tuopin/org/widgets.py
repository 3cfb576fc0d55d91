"""The one way every page asks for a date, a time or a moment: the browser's own picker.

A browser's ``<input type="date">`` accepts only ISO values (``2018-06-11``); anything else it
shows as empty and then submits empty, which erased dates on every save while Django rendered
the zh-Hans localized ``2018/06/11``. These widgets always render ISO, whatever the locale.
"""

from __future__ import annotations

from django import forms

ISO_DATE = "%Y-%m-%d"
ISO_TIME = "%H:%M"
# With seconds: a deadline of 23:59:59 shown as 23:59 would be saved back as 23:59:00.
ISO_DATETIME = "%Y-%m-%dT%H:%M:%S"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format=ISO_DATE)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format=ISO_TIME)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None) -> None:
        # step=1 lets the picker show and keep the seconds.
        super().__init__({"step": "1", **(attrs or {})}, format=ISO_DATETIME)
