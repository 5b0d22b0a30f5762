"""Commands gathered by user group; `claims-ledger --help` lists them under the group's name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class CommandGroup:
    """The commands of one module (cases, audit, reports, operations)."""

    panel: str
    commands: list[tuple[str | None, Callable[..., Any]]] = field(default_factory=list)

    def command(self, name: str | None = None) -> Callable[[F], F]:
        def register(function: F) -> F:
            self.commands.append((name, function))
            return function

        return register
