"""``field__among=[…]``: rows whose field is one of many values, with the list sent as ONE
parameter (PostgreSQL ``= ANY(%s)``, SQLite ``IN (SELECT value FROM json_each(%s))``).

An import looks up thousands of keys at once. Django's ``__in`` prepares every value through
the field and binds it separately, so the keys had to go in chunks under SQLite's 999 bound
parameters; here the keys go as they are (plain ``str`` or ``int``, already checked by the
ledger's cells) in one query. Registered on every field by the ledger app."""

from __future__ import annotations

import json

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, Lookup


class Among(Lookup):
    lookup_name = "among"
    prepare_rhs = False
    can_use_none_as_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values:
            raise EmptyResultSet  # as Django's __in: no rows, no query
        if any(type(value) not in (str, int) for value in values):
            raise TypeError("among: plain str or int values only")
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        return (
            f"{lhs} IN (SELECT value FROM json_each(%s))",  # noqa: S608 - a compiled column
            [*lhs_params, json.dumps(values, ensure_ascii=False)],
        )


def register() -> None:
    Field.register_lookup(Among)
    ForeignObject.register_lookup(Among)  # relations keep lookups of their own
