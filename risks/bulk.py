"""Inserting many rows fast: PostgreSQL's COPY, elsewhere ``bulk_create``.

``bulk_create`` spends most of its time preparing each value in Python: for the reminder sweep's
hundreds of thousands of notifications, and the bench's millions of timeline entries, that was
most of the run. COPY takes the rows as text. The values must be plain — text, numbers, booleans,
dates, aware datetimes, JSON lists and dicts — which is what the models written this way hold.
Rows get their ids from the table's sequence unless they carry one; none are returned.
"""

import datetime
import io
import json
from collections.abc import Iterable, Sequence

from django.db import connection

BATCH = 1000  # rows per INSERT where COPY is not available


def insert(model, objects: Sequence) -> None:
    """Insert ``objects`` (unsaved instances of ``model``), all their concrete fields."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=BATCH)
        return
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and objects[0].pk is None)]
    copy_rows(model, [f.column for f in fields], ([getattr(o, f.attname) for f in fields] for o in objects))


def insert_values(model, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert ``rows`` of plain values for ``columns`` (the other columns get their database
    defaults, NULL for the nullable ones), without making model instances at all."""
    if connection.vendor == "postgresql":
        copy_rows(model, columns, rows)
        return
    by_column = {f.column: f.attname for f in model._meta.concrete_fields}
    objects = [model(**{by_column[c]: v for c, v in zip(columns, row, strict=True)}) for row in rows]
    model.objects.bulk_create(objects, batch_size=BATCH)


def copy_rows(model, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(map(_copy_text, row)))
        buffer.write("\n")
    if not buffer.tell():
        return
    buffer.seek(0)
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN", buffer)


def _copy_text(value) -> str:
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime.date):  # datetimes too: isoformat keeps the offset
        return value.isoformat()
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
