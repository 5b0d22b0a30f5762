"""structlog set-up: readable in a terminal, JSON in production; personal data never logged."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

PERSONAL_KEYS = frozenset(
    {
        "name",
        "insured_name",
        "nik",
        "ektp",
        "e_ktp",
        "phone",
        "phone_number",
        "contact_phone",
        "finding",  # a complaint analysis or a medical examination
        "arrangement",  # an assistance case's evacuation or treatment
        "email",
        "address",
        "explanation",
        "insured",
        "condition",  # an assistance case's medical condition (TR-AS-1)
        "location",  # where the insured is abroad (TR-AS-1)
        "injured_person",
        "family_members",
        "domestic_helpers",
    }
)
"""Keys whose values are personal data: they are replaced, never written to a log."""


def redact_personal_data(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in PERSONAL_KEYS.intersection(event_dict):
        event_dict[key] = "[redacted]"
    return event_dict


class _CurrentStderr:
    """`sys.stderr` as it is when a line is written, not when logging was configured: a test
    harness or a tool that swaps stderr (and closes its own later) never gets a stale stream."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure_logging(log_format: str = "console", level: str = "info") -> None:
    renderer: Any
    if log_format == "json":
        renderer = structlog.processors.JSONRenderer(sort_keys=True)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact_personal_data,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )
