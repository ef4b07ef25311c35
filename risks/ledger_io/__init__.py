"""The ledger in and out of Excel: export (export.py), the import template (template.py) and the
import itself (reader.py reads a file, importer.py checks and saves its rows).

Columns follow DESIGN.md "Ledger columns" (columns.py), so an exported ledger can be imported
again, and a ledger kept in Excel by a township can be brought in without retyping.
"""
