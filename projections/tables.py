"""Read-model tables: a row dataclass, its primary key, and how its values go to and come back
from the database. Everything derived from the row type (type hints, columns, converters, SQL
text) is worked out once, when the table is declared, not for every row.

Statements are written with `%(name)s` parameters; the store translates them to its dialect.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import fields
from datetime import datetime
from typing import Any, Generic, TypeVar

R = TypeVar("R")

Decode = Callable[[Any], Any]


def _to_db(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return value


def _encoder(hint: Any) -> Decode | None:
    """How a column's value becomes its stored value (None: as it is). Columns of plain types
    (text, numbers, booleans, optional or not) need nothing; anything else goes through
    `_to_db`."""
    plain = {str, int, bool, type(None)}
    if hint in plain or all(a in plain for a in typing.get_args(hint) or (object,)):
        return None
    return _to_db


def _optional(decode: Decode) -> Decode:
    return lambda value: None if value is None else decode(value)


def _decoder(hint: Any) -> Decode | None:
    """How a column's stored value becomes the row's value again (None: as stored)."""
    if datetime in (hint, *typing.get_args(hint)):
        return _optional(datetime.fromisoformat)
    if hint is bool:
        return _optional(bool)
    if hint == dict[str, Any]:
        return json.loads
    return None


def _sql_type(hint: Any) -> str:
    base = hint
    if isinstance(hint, types.UnionType):
        base = next(a for a in typing.get_args(hint) if a is not type(None))
    return {int: "BIGINT", bool: "BOOLEAN"}.get(base, "TEXT")


class Table(Generic[R]):
    """One table of a read model, keyed by `key`, one column per field of `row_type`."""

    def __init__(self, name: str, row_type: type[R], key: tuple[str, ...]) -> None:
        hints = typing.get_type_hints(row_type)
        self.name = name
        self.row_type = row_type
        self.key = key
        self.columns = tuple(f.name for f in fields(row_type))  # type: ignore[arg-type]
        unknown = [k for k in key if k not in self.columns]
        if unknown:
            raise TypeError(f"table {name}: key {unknown} is not a field of {row_type.__name__}")
        self._sql_types = {c: _sql_type(hints[c]) for c in self.columns}
        self._decoders = {c: d for c in self.columns if (d := _decoder(hints[c])) is not None}
        self._plain = tuple(c for c in self.columns if _encoder(hints[c]) is None)
        self._encoded = tuple((c, e) for c in self.columns if (e := _encoder(hints[c])) is not None)
        self._statements: dict[tuple[str, str], str] = {}

    def __repr__(self) -> str:
        return f"Table({self.name!r}, {self.row_type.__name__})"

    # -- values --------------------------------------------------------------------------------

    def to_db(self, row: R) -> dict[str, Any]:
        """The row's values as the statements' parameters (datetimes ISO, dicts as JSON)."""
        values = {c: getattr(row, c) for c in self._plain}
        for column, encode in self._encoded:
            values[column] = encode(getattr(row, column))
        return values

    def from_db(self, record: Mapping[str, Any]) -> R:
        decoders = self._decoders
        return self.row_type(
            **{c: decoders[c](record[c]) if c in decoders else record[c] for c in self.columns}
        )

    # -- statements (per table prefix, built once) ---------------------------------------------

    def _statement(self, kind: str, prefix: str, build: Callable[[str], str]) -> str:
        statement = self._statements.get((kind, prefix))
        if statement is None:
            statement = self._statements[(kind, prefix)] = build(prefix + self.name)
        return statement

    def create_statement(self, prefix: str) -> str:
        def build(table: str) -> str:
            columns = ", ".join(f"{c} {self._sql_types[c]}" for c in self.columns)
            return f"CREATE TABLE IF NOT EXISTS {table} ({columns}, PRIMARY KEY ({self._keys}))"

        return self._statement("create", prefix, build)

    def upsert_statement(self, prefix: str) -> str:
        def build(table: str) -> str:
            updates = ", ".join(f"{c} = excluded.{c}" for c in self.columns if c not in self.key)
            return (
                f"INSERT INTO {table} ({', '.join(self.columns)}) "
                f"VALUES ({', '.join(f'%({c})s' for c in self.columns)}) "
                f"ON CONFLICT ({self._keys}) DO UPDATE SET {updates}"
            )

        return self._statement("upsert", prefix, build)

    def select_by_key_statement(self, prefix: str) -> str:
        def build(table: str) -> str:
            where = " AND ".join(f"{k} = %({k})s" for k in self.key)
            return f"SELECT * FROM {table} WHERE {where}"

        return self._statement("select_by_key", prefix, build)

    @property
    def _keys(self) -> str:
        return ", ".join(self.key)
