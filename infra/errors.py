"""Problems with what surrounds the ledger (settings, the data folder, the broker, the database)
that the person running it can fix. Each message names the input and what to check; the command
line prints it on one line and exits with status 2."""

from __future__ import annotations


class SetupError(Exception):
    """Base of the errors a user fixes outside the ledger's data."""


class InvalidSettings(SetupError):
    """An environment variable holds a value the ledger does not accept."""


class NoLedgerHere(SetupError):
    """A read or audit command was pointed at a data folder that holds no ledger."""


class Unreachable(SetupError):
    """The Kafka cluster or the database named by the settings does not answer."""


class NotInReadModel(SetupError):
    """The event store holds the case but the Kafka-fed read model has not received it yet."""
