"""The areas of the ledger composed: their commands, their handlers and their case types.

Each area (`complaints`, `estatecare`, `travel`) owns a map from command type to handler; the
ledger application composes the maps here and knows no command itself.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Field, TypeAdapter

from claims_ledger.domain.cases import CaseIndex, CaseType, Handler
from claims_ledger.domain.commands import CommandModel
from claims_ledger.domain.complaints import handlers as complaints
from claims_ledger.domain.estatecare import handlers as estatecare
from claims_ledger.domain.travel import handlers as travel

AREAS = (complaints, estatecare, travel)

HANDLERS: dict[type[CommandModel], Handler] = {}
for _area in AREAS:
    for _command_type, _handler in _area.HANDLERS.items():
        if _command_type in HANDLERS:  # pragma: no cover - a programming error, caught at import
            raise TypeError(f"{_command_type.__name__} is handled by two areas")
        HANDLERS[_command_type] = _handler

CASE_TYPES: tuple[CaseType, ...] = tuple(t for area in AREAS for t in area.CASE_TYPES)
CASE_INDEX = CaseIndex(CASE_TYPES)

COMMAND_TYPES: tuple[type[CommandModel], ...] = tuple(HANDLERS)
COMMAND_NAMES: tuple[str, ...] = tuple(t.name() for t in COMMAND_TYPES)
COMMAND_BY_NAME: dict[str, type[CommandModel]] = {t.name(): t for t in COMMAND_TYPES}

# Any command, discriminated by its `command` field (a scenario line, a test's factory).
Command = Annotated[Union[COMMAND_TYPES], Field(discriminator="command")]  # type: ignore[valid-type]  # noqa: UP007
COMMAND_ADAPTER: TypeAdapter[Any] = TypeAdapter(Command)
