"""What an auditor runs: rebuild a read model from the event store, verify the hash chains."""

from __future__ import annotations

from dataclasses import dataclass, field

from claims_ledger.domain.ledger import Ledger
from claims_ledger.infra.store import envelope_chain, iter_stored_events
from claims_ledger.projections.read_model import ReadModelMixin

EVENT_STORE_SOURCE = "eventstore"


def rebuild(ledger: Ledger, target: ReadModelMixin) -> int:
    """Fold every stored event not yet in `target` into it; returns how many were applied."""
    chain = envelope_chain(ledger)
    applied = 0
    for notification_id, domain_event in iter_stored_events(
        ledger, after=target.position(EVENT_STORE_SOURCE) or 0
    ):
        target.apply(chain.envelope(domain_event), EVENT_STORE_SOURCE, notification_id)
        applied += 1
    return applied


@dataclass
class VerifyReport:
    stored_events: int = 0
    witnessed_events: int = 0
    mismatches: list[str] = field(default_factory=list)
    not_witnessed: int = 0

    @property
    def ok(self) -> bool:
        return not self.mismatches


def verify(ledger: Ledger, witness: ReadModelMixin) -> VerifyReport:
    """Recompute every aggregate's hash chain from the event store and compare it with the hashes
    a Kafka-fed read model received when the events were published. Any stored event altered
    after publication shows up as a mismatch."""
    report = VerifyReport()
    published = witness.event_hashes()
    report.witnessed_events = len(published)
    chain = envelope_chain(ledger)
    for _, domain_event in iter_stored_events(ledger):
        envelope = chain.envelope(domain_event)
        report.stored_events += 1
        key = (str(envelope.aggregate_id), envelope.version)
        witnessed = published.pop(key, None)
        if witnessed is None:
            report.not_witnessed += 1
        elif witnessed != envelope.hash:
            report.mismatches.append(
                f"{envelope.aggregate_type} {envelope.aggregate_id} v{envelope.version} "
                f"({envelope.event_type}): stored event hashes to {envelope.hash[:16]}…, "
                f"published as {witnessed[:16]}…"
            )
    for aggregate_id, version in sorted(published):
        report.mismatches.append(
            f"{aggregate_id} v{version} was published but is missing from the event store"
        )
    return report
