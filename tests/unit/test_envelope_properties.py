"""Property tests of the hash chain: any change to any sealed field is detected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from claims_ledger.domain.envelope import GENESIS_HASH, PublishedEvent, event_id_for, seal
from claims_ledger.infra.codec import decode, encode

json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**53), 2**53), st.text(max_size=40)
)
payloads = st.dictionaries(st.text(min_size=1, max_size=12), json_scalars, max_size=6)
offsets = st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
times = st.builds(
    lambda s, tz: datetime(2026, 1, 1, tzinfo=UTC).astimezone(tz) + timedelta(seconds=s),
    st.integers(0, 10**8),
    offsets,
)


@st.composite
def envelopes(draw: st.DrawFn) -> PublishedEvent:
    aggregate_id = UUID(int=draw(st.integers(0, 2**128 - 1)))
    version = draw(st.integers(1, 10_000))
    return seal(
        {
            "schema_version": 1,
            "event_id": event_id_for(aggregate_id, version),
            "aggregate_type": "complaint",
            "aggregate_id": aggregate_id,
            "version": version,
            "event_type": "ComplaintReceived",
            "occurred_at": draw(times),
            "recorded_at": draw(times),
            "rule_set": None,
            "payload": draw(payloads),
            "correlation_id": "c",
            "causation_id": "c",
            "prev_hash": GENESIS_HASH if version == 1 else "a" * 64,
        }
    )


@given(envelopes())
def test_a_sealed_envelope_survives_the_wire_with_a_valid_hash(published: PublishedEvent) -> None:
    received = decode(encode(published))
    assert received == published
    assert received.hash_is_valid()


@given(envelopes(), st.sampled_from(["version", "payload", "occurred_at", "prev_hash"]))
def test_changing_any_sealed_field_invalidates_the_hash(
    published: PublishedEvent, field: str
) -> None:
    changed_value = {
        "version": published.version + 1,
        "payload": {**published.payload, "tampered": True},
        "occurred_at": published.occurred_at + timedelta(microseconds=1),
        "prev_hash": "b" * 64,
    }[field]
    tampered = published.model_copy(update={field: changed_value})
    assert not tampered.hash_is_valid()
