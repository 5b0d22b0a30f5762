"""Errors the domain raises. Each names the rule it enforces (see ../shared/RULES.md)."""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every error the ledger reports to a user."""


class RuleViolation(LedgerError):
    """A command broke a rule of the rule book; nothing was stored for it."""

    def __init__(self, rule_id: str, message: str, *, accepted: str | None = None) -> None:
        self.rule_id = rule_id
        self.reason = message
        self.accepted = accepted
        text = f"{rule_id}: {message}"
        if accepted:
            text += f" (accepted: {accepted})"
        super().__init__(text)


class CaseNotFound(LedgerError):
    """A command named a case the ledger does not hold."""

    def __init__(self, kind: str, reference: str) -> None:
        self.kind = kind
        self.reference = reference
        super().__init__(f"unknown {kind} {reference!r}: no such case has been received")


class CaseAlreadyExists(LedgerError):
    """A command tried to open a case whose reference is already taken."""

    def __init__(self, kind: str, reference: str) -> None:
        self.kind = kind
        self.reference = reference
        super().__init__(
            f"{kind} {reference!r} already exists: a case is received once "
            "(re-applying the same command would apply it twice)"
        )


class UnknownCommand(LedgerError):
    """A command no area handles."""

    def __init__(self, name: str, accepted: tuple[str, ...]) -> None:
        self.name = name
        super().__init__(f"unknown command {name!r} (accepted: {', '.join(accepted)})")
