"""Helpers for tests that read and write ledger spreadsheets."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from risks.ledger_io.columns import HEADERS


def response_bytes(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def sheet_of(content: bytes):
    return load_workbook(io.BytesIO(content)).worksheets[0]


def ledger_rows(content: bytes) -> list[dict]:
    """The data rows of an exported ledger (title row, header row, then data), by header."""
    ws = sheet_of(content)
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[1])
    assert header == HEADERS
    return [dict(zip(header, row, strict=True)) for row in rows[2:]]


def workbook_bytes(rows: list[list], headers=HEADERS, *, title: str | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(list(headers))
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def row(values: dict) -> list:
    """A data row in HEADERS order from Chinese column names (missing ones left empty)."""
    unknown = set(values) - set(HEADERS)
    assert not unknown, unknown
    return [values.get(h) for h in HEADERS]


def upload(content: bytes, name: str = "台账.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)
