"""Inserting many rows of one model at once, for the batch writes whose speed matters (a wave of suspensions and
their audit events). On PostgreSQL this is COPY: bulk_create's INSERT spends most of its time on per-value work in
Django and psycopg (a quarter of a 1,000-statement batch), which COPY's row writer does in C."""

from collections.abc import Iterator, Sequence
from operator import attrgetter
from typing import Any

from django.db import connection, models

# Fields whose Python value COPY takes as it stands (with USE_TZ and the connection in UTC, a datetime too); any
# other field's value goes through Django's own conversion (JSON, IP addresses, ...).
_AS_IS = (models.CharField, models.TextField, models.BooleanField, models.IntegerField, models.DateField)


def bulk_insert[M: models.Model](objects: Sequence[M]) -> list[M]:
    """Insert new instances of one model and set their primary keys, in order, as bulk_create does (no save(), no
    signals; auto_now and auto_now_add are filled in). Two queries on PostgreSQL whatever the number of rows: the
    keys, taken from the table's sequence, and one COPY."""
    if not objects:
        return []
    if connection.vendor != "postgresql":
        return type(objects[0])._default_manager.bulk_create(objects)
    meta = type(objects[0])._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in [meta.pk, *fields])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        keys = [key for (key,) in cursor.fetchall()]
        # Django's errors (IntegrityError, ...) rather than psycopg's, as from any other query.
        with (
            connection.wrap_database_errors,
            cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy,
        ):
            for row in _rows(objects, fields, keys):
                copy.write_row(row)
    for instance in objects:
        instance._state.adding, instance._state.db = False, connection.alias
    return list(objects)


def _rows(objects: Sequence[models.Model], fields: list[Any], keys: list[int]) -> Iterator[list[Any]]:
    """Each instance's row for COPY, its key first; the instance gets its key and its auto_now times."""
    stamped = [field for field in fields if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)]
    converted = [(place, field) for place, field in enumerate(fields, 1) if not _as_is(field)]
    values = attrgetter(*(field.attname for field in fields))  # one call for the whole row
    for key, instance in zip(keys, objects, strict=True):
        instance.pk = key
        for field in stamped:
            field.pre_save(instance, add=True)
        row = [key, *values(instance)]
        for place, field in converted:
            row[place] = field.get_db_prep_save(row[place], connection)
        yield row


def _as_is(field: models.Field) -> bool:
    return isinstance(field, _AS_IS) or (
        isinstance(field, models.ForeignKey) and isinstance(field.target_field, _AS_IS)
    )
