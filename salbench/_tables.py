"""Private re-export of the table and JSON helpers, which now live in :mod:`salbench._io`.

Kept only so that modules still importing ``salbench._tables`` work; import from ``._io``.
"""

from ._io import (  # noqa: F401
    TABLE_FORMATS, canonical_json, default_table_format, read_json, read_table, table_format,
    to_json_value, write_json, write_table,
)
