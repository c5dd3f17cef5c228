"""The enforcement source read from a relational database instead of files.

`IP_PIPELINE_ENFORCEMENT_DB_URL` (any SQLAlchemy URL; never in code or checked-in
config) and `IP_PIPELINE_ENFORCEMENT_TABLE` (default `enforcement_cases`) name a
table or view with the same columns as the files (Chinese headers or the
English column names). Rows stream in batches; the whole read counts as one
snapshot part, so a connection lost mid-read refuses the snapshot and keeps
the previous one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

from ..settings import settings
from .contracts import SourceContract
from .errors import SourceFileError
from .readers import BATCH_ROWS, FileReadInfo, map_header, row_batches

# user (possibly empty) ":" password "@" host — up to the last "@" of the token, so a raw "@"
# inside a password is hidden too.
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)(\S*)(@[^@\s]*)")


def mask_url(text: str) -> str:
    """Hide the password of any database URL inside a message."""
    return _URL_PASSWORD.sub(r"\1***\3", str(text))


def configured_url(contract: SourceContract) -> str | None:
    db = contract.database or {}
    env = db.get("url_env")
    return settings().raw(env) if env else None


def table_name(contract: SourceContract) -> str:
    db = contract.database or {}
    env = db.get("table_env")
    return (settings().raw(env) if env else None) or db.get("default_table", contract.name)


def _text(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.date().isoformat() if (v.hour, v.minute, v.second) == (0, 0, 0) else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="replace")
    return str(v)


class DatabaseSnapshot:
    """Reads the whole table once into row batches, computing the content fingerprint as it goes."""

    def __init__(self, contract: SourceContract, url: str):
        self.contract, self.url = contract, url
        self.table = table_name(contract)
        self.label = f"database:{self.table}"
        self.rows: list[list[str | None]] = []
        self.header: list[str] = []
        self.fingerprint = ""
        self.snapshot_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)

    def fetch(self) -> None:
        import sqlalchemy as sa  # here: only a database source needs SQLAlchemy

        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", self.table):
            raise SourceFileError(self.contract.name, self.label, "table name must be a plain SQL identifier")
        h = hashlib.blake2b(digest_size=16)
        try:
            engine = sa.create_engine(self.url, pool_pre_ping=True)
            try:
                with engine.connect() as conn:
                    result = conn.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(
                        sa.text(f"SELECT * FROM {self.table}")
                    )
                    self.header = list(result.keys())
                    h.update("\x1f".join(self.header).encode())
                    for row in result:
                        cells = [_text(v) for v in row]
                        h.update(
                            "\x1f".join("\x00" if c is None else c for c in cells).encode("utf-8") + b"\x1e"
                        )
                        self.rows.append(cells)
            finally:
                engine.dispose()
        except SourceFileError:
            raise
        except Exception as exc:  # any driver error: name the database, hide the password  # noqa: BLE001 (a failure here is reported, never raised)
            raise SourceFileError(
                self.contract.name,
                self.label,
                f"could not be read from {mask_url(self.url)}: {mask_url(type(exc).__name__ + ': ' + str(exc).splitlines()[0])}",
            ) from None
        self.fingerprint = "db-" + h.hexdigest()

    def parts(self) -> Iterator[tuple[str, FileReadInfo, Iterator]]:
        info = FileReadInfo(encoding="database")
        plan = map_header(self.header, self.contract, self.label, info)
        info.width = len(self.header)
        yield self.label, info, row_batches(iter(self.rows), plan, self.contract, info)
