"""Indexes the web application's queries need on the read-model tables.

Kept apart from the projections' own schema on purpose: they change no table and no row, only
how the database finds rows. `ensure_indexes` creates any that are missing (IF NOT EXISTS) when
the web application starts; every statement works on SQLite and PostgreSQL.
"""

from __future__ import annotations

from claims_ledger.infra.store import ReadModel
from claims_ledger.projections.read_model import PostgresReadModel

INDEXES: tuple[tuple[str, str, str], ...] = (
    # (name, table, columns): the cases list is ordered by reference, filtered by these.
    ("web_complaint_reference", "complaint_status", "reference"),
    ("web_complaint_state", "complaint_status", "state, reference"),
    ("web_complaint_channel", "complaint_status", "channel, reference"),
    ("web_complaint_product", "complaint_status", "product, reference"),
    ("web_claim_section_reference", "claim_sections", "reference, claim_id"),
    ("web_claim_section_status", "claim_sections", "status"),
    ("web_travel_reference", "travel_claims", "reference"),
    ("web_travel_stage", "travel_claims", "stage, reference"),
    ("web_assistance_reference", "assistance_cases", "reference"),
    # Open deadlines by time left; breaches by party and rule.
    ("web_deadline_status_due", "case_deadlines", "status, due"),
    ("web_deadline_breached", "case_deadlines", "breached_at"),
    # When each quarterly report was produced.
    ("web_event_type", "ledger_events", "event_type"),
)


def index_statements(prefix: str) -> list[str]:
    return [
        f"CREATE INDEX IF NOT EXISTS {prefix}{name} ON {prefix}{table} ({columns})"
        for name, table, columns in INDEXES
    ]


def ensure_indexes(read_model: ReadModel) -> None:
    """Create the missing indexes in one write transaction. On SQLite it takes the write lock
    first (`CREATE INDEX IF NOT EXISTS` reads the schema before it writes; with a plain
    `BEGIN`, a consumer committing to the same file in between failed the web application's
    start at once with "database is locked")."""
    with read_model._transaction() as c:
        if isinstance(read_model, PostgresReadModel):
            # `CREATE INDEX IF NOT EXISTS` is not safe against the same statement in another
            # session (both insert the index's name: a duplicate key in pg_class): two web
            # applications starting at once take turns.
            c.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))",
                (f"claims_ledger.web_indexes:{read_model.prefix}",),
            )
        for statement in index_statements(read_model.prefix):
            c.execute(read_model._sql(statement))
