"""The ledger application: handles commands against aggregates and stores their events.

Storage is chosen by the environment the application is built with (SQLite, PostgreSQL,
or in memory); nothing here knows which. Where the store keeps seals, every event is sealed
(its `prev_hash` and `hash`, domain/seals.py) as it is stored, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    project_aggregate,
)
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording, Transcoding
from eventsourcing.utils import get_topic

from claims_ledger.domain.areas import CASE_INDEX, COMMAND_NAMES, HANDLERS
from claims_ledger.domain.calendar import DEFAULT_CALENDAR, WorkingDayCalendar
from claims_ledger.domain.cases import CaseType, HandlerContext, UnitOfWork
from claims_ledger.domain.clock import require_aware, require_not_future
from claims_ledger.domain.commands import CommandModel
from claims_ledger.domain.complaints.complaint import Complaint
from claims_ledger.domain.deadline_index import DeadlineIndex, DeadlineWatch, index_changes
from claims_ledger.domain.deadlines import DeadlineTracking, Provenance
from claims_ledger.domain.envelope import AGGREGATE_TYPES, AggregateTypes
from claims_ledger.domain.errors import CaseNotFound, UnknownCommand
from claims_ledger.domain.personal import HoldsPersonalData
from claims_ledger.domain.seals import Seal, SealChain, SealedStore, predecessor_keys
from claims_ledger.domain.snapshots import CaseSnapshot, register_snapshot_transcodings

SNAPSHOT_INTERVAL = "SNAPSHOT_INTERVAL"
"""Environment key: a snapshot of a case is taken every this many of its events (0: never)."""
DEFAULT_SNAPSHOT_INTERVAL = 50


@dataclass(frozen=True)
class CommandContext:
    """Where a command came from: the ledger's time when it is recorded, and provenance."""

    recorded_at: datetime
    correlation_id: str
    causation_id: str

    def __post_init__(self) -> None:
        require_aware(self.recorded_at, "recorded_at")


class DateAsISO(Transcoding):
    """Calendar dates (a receipt date, a layoff date) stored as ISO 8601 strings."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class PersonalDataBoundary(Protocol):
    """Replaces a command's personal fields (domain/personal.py) by encrypted values before the
    command is handled; the infrastructure provides one with a key store."""

    def protect(self, command: CommandModel, uow: UnitOfWork) -> CommandModel: ...

    def seal_keys(self) -> None:
        """Store the keys `protect` minted, before the events encrypted under them; raises the
        store's `IntegrityError` when another writer gave one of those cases a key first."""
        ...

    def close(self) -> None: ...


class ClearText:
    """No key store: personal fields are stored as given (an in-memory ledger in unit tests)."""

    def protect(self, command: CommandModel, uow: UnitOfWork) -> CommandModel:
        return command

    def seal_keys(self) -> None:
        return None

    def close(self) -> None:
        return None


class Ledger(Application[UUID]):
    """The claims ledger. Its notification log is the outbox the relay publishes from."""

    name = "ClaimsLedger"

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        register_snapshot_transcodings(transcoder)

    def __init__(
        self, env: dict[str, str] | None = None, calendar: WorkingDayCalendar = DEFAULT_CALENDAR
    ) -> None:
        env = dict(env or {})
        self.snapshot_interval = int(env.get(SNAPSHOT_INTERVAL, DEFAULT_SNAPSHOT_INTERVAL))
        env.setdefault("IS_SNAPSHOTTING_ENABLED", "y" if self.snapshot_interval > 0 else "n")
        super().__init__(env)
        self.calendar = calendar
        self.aggregate_types = AggregateTypes(self._first_event)
        self.personal_data: PersonalDataBoundary = ClearText()
        self.deadlines_examined = 0
        """Deadline objects the deadline process has examined so far (what it costs)."""

    def _first_event(self, aggregate_id: UUID) -> Any:
        return next(iter(self.events.get(aggregate_id, lte=1)), None)

    # -- sealing at write time -------------------------------------------------------------

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        """Store the events with their seals (one transaction: the recorder writes both), after
        the keys of the personal data they carry."""
        if processing_event.events:
            self.personal_data.seal_keys()
        if isinstance(self.recorder, SealedStore) and processing_event.events:
            for aggregate_id, aggregate in processing_event.aggregates.items():
                topic = get_topic(type(aggregate))
                if topic in AGGREGATE_TYPES:
                    self.aggregate_types.remember(aggregate_id, topic)
            processing_event.saved_kwargs["seals"] = self.seals(
                processing_event.events, self.recorder
            )
        if isinstance(self.recorder, DeadlineIndex) and processing_event.events:
            # The index of open deadlines changes in the events' transaction.
            processing_event.saved_kwargs["deadlines"] = index_changes(processing_event.events)
        return super()._record(processing_event)

    # -- snapshots (domain/snapshots.py) ---------------------------------------------------

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """A snapshot of each case whose new events reach a multiple of the interval (the
        library's rule, with the interval a setting rather than a class attribute)."""
        if self.snapshots is None or self.snapshot_interval <= 0:
            return
        for event in processing_event.events:
            if (
                event.originator_version % self.snapshot_interval == 0
                and event.originator_id in processing_event.aggregates
            ):
                self.take_snapshot(event.originator_id, version=event.originator_version)

    def take_snapshot(
        self,
        aggregate_id: UUID,
        version: int | None = None,
        projector_func: Any = project_aggregate,
    ) -> None:
        """The library's `take_snapshot`, with the ledger's snapshot class for every case."""
        if self.snapshots is None:
            raise AssertionError("snapshotting is off (SNAPSHOT_INTERVAL=0)")
        aggregate = self.repository.get(
            aggregate_id, version=version, projector_func=projector_func
        )
        self.snapshots.put([CaseSnapshot.take(aggregate)])

    def seals(self, events: Iterable[Any], store: SealedStore) -> list[Seal]:
        """The seal of each event about to be stored, in order.

        Each is computed from the event as it will read back from the store (encoded, then
        decoded), so it is exactly what the relay and an auditor recompute from the stored
        bytes. The seals a batch chains to are read before the insert: a concurrent writer
        that stored the same versions first makes the insert fail on the events' (aggregate,
        version) uniqueness, and `execute` handles the command again on fresh state."""
        stored = [self.mapper.to_domain_event(self.mapper.to_stored_event(e)) for e in events]
        chain = SealChain(self.aggregate_types.of, store.seal_hashes(predecessor_keys(stored)))
        return [chain.seal(event) for event in stored]

    def close(self) -> None:
        super().close()
        self.personal_data.close()

    def has_aggregate(self, aggregate_id: UUID) -> bool:
        return bool(self.recorder.select_events(aggregate_id, desc=True, limit=1))

    def existing_aggregates(self, aggregate_ids: Sequence[UUID]) -> set[UUID]:
        """Which of these aggregates have events: one query on the ledger's stores, one per id
        on the library's own recorders."""
        existing = getattr(self.recorder, "existing_aggregates", None)
        if existing is not None:
            found: set[UUID] = existing(aggregate_ids)
            return found
        return {i for i in aggregate_ids if self.has_aggregate(i)}

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self, CASE_INDEX)

    def execute(self, command: CommandModel, context: CommandContext, attempts: int = 5) -> UUID:
        """Handle one command and store its events; returns the aggregate id.

        Optimistic concurrency: when another process saved one of the same aggregates first
        (two Section IV decisions on one policy, say), the store refuses the stale version and
        the command is handled again on fresh state, up to `attempts` times."""
        for attempt in range(1, attempts + 1):
            uow = self.unit_of_work()
            aggregate_id = self.handle(command, context, uow)
            try:
                uow.commit()
            except IntegrityError:
                if attempt == attempts:
                    raise
                continue
            return aggregate_id
        raise AssertionError("unreachable")

    def handle(self, command: CommandModel, context: CommandContext, uow: UnitOfWork) -> UUID:
        """Apply one command to the unit of work's aggregates without storing anything."""
        require_not_future(command.occurred_at, context.recorded_at)
        command = self.personal_data.protect(command, uow)
        handler = HANDLERS.get(type(command))
        if handler is None:
            raise UnknownCommand(type(command).__name__, COMMAND_NAMES)
        provenance = Provenance(
            occurred_at=command.occurred_at,
            recorded_at=context.recorded_at,
            correlation_id=context.correlation_id,
            causation_id=context.causation_id,
        )
        return handler(command, HandlerContext(uow, provenance, self.calendar))

    # -- erasure of personal data --------------------------------------------------------------

    def record_erasure(
        self, reference: str, subject: str, basis: str, context: CommandContext
    ) -> UUID:
        """Record on the case that a data subject's personal data was erased (its key is
        destroyed by the key store; the stored events stay as they are)."""
        provenance = Provenance(
            occurred_at=context.recorded_at,
            recorded_at=context.recorded_at,
            correlation_id=context.correlation_id,
            causation_id=context.causation_id,
        )
        for attempt in range(1, 6):
            uow = self.unit_of_work()
            case = uow.find(reference)
            if case is None or not isinstance(case, HoldsPersonalData):
                raise CaseNotFound("case with personal data", reference)
            case_id: UUID = case.id
            case.record_erasure(subject=subject, basis=basis, provenance=provenance)
            try:
                uow.commit()
            except IntegrityError:
                if attempt == 5:
                    raise
                continue
            return case_id
        raise AssertionError("unreachable")

    # -- the deadline process (C-SLA-1) ----------------------------------------------------

    def case_ids(self) -> list[UUID]:
        """Every case with deadlines (complaints and claims), in order of arrival."""
        return self._case_ids(
            [t.opening_topic for t in CASE_INDEX.case_types if _tracks_deadlines(t)]
        )

    def _case_ids(self, topics: list[str]) -> list[UUID]:
        ids: list[UUID] = []
        position = 0
        while True:
            batch = self.recorder.select_notifications(
                start=position,
                limit=1000,
                topics=topics,
                inclusive_of_start=False,
            )
            if not batch:
                return ids
            ids.extend(UUID(str(n.originator_id)) for n in batch)
            position = batch[-1].id

    def load_open_cases(self, uow: UnitOfWork) -> None:
        """Bring every case that may have a deadline to watch into the unit of work (what the
        deadline process does on a store that keeps no index of open deadlines)."""
        for aggregate_id in self.case_ids():
            if aggregate_id not in uow.aggregates:
                uow.aggregates[aggregate_id] = self.repository.get(aggregate_id)

    def deadline_watch(self, uow: UnitOfWork, until: datetime) -> DeadlineWatch:
        """A watch over the stored open deadlines due before `until`, without loading a case.
        A store without the index (in memory, or opened as it is) is read whole instead."""
        watch = DeadlineWatch()
        index = self.recorder
        if isinstance(index, DeadlineIndex) and index.deadline_index_ready():
            for entry in index.open_deadlines_due_before(until):
                watch.examined += 1
                watch.push(entry.aggregate_id, entry.key, entry.due_us)
        else:
            self.load_open_cases(uow)
            for case in uow.aggregates.values():
                watch.watch(case)
        uow.touched.clear()
        return watch

    def end_watch(self, watch: DeadlineWatch) -> None:
        self.deadlines_examined += watch.examined

    @staticmethod
    def detect_breaches(uow: UnitOfWork, now: datetime, recorded_at: datetime) -> int:
        """Record a breach for every deadline passed unmet by `now` in the unit of work."""
        return sum(
            case.detect_breaches(now, recorded_at)
            for case in uow.aggregates.values()
            if isinstance(case, DeadlineTracking)
        )

    def check_deadlines(self, now: datetime) -> int:
        """The deadline process on its own: given "now", record every breach; returns how many.
        Only the cases with a deadline due are read."""
        uow = self.unit_of_work()
        watch = self.deadline_watch(uow, until=now)
        breaches = watch.detect_breaches(uow, now, now)
        self.end_watch(watch)
        uow.commit()
        return breaches

    # -- cases by reference ----------------------------------------------------------------

    def resolve(self, reference: str) -> tuple[CaseType, UUID]:
        """The case a reference names, of whatever type (complaint, policy, property claim,
        travel claim, assistance case, quarterly report)."""
        for case_type, aggregate_id in CASE_INDEX.candidates(reference):
            stored = self.recorder.select_events(aggregate_id, limit=1)
            if stored:
                return _case_type_of_topic(stored[0].topic, case_type), aggregate_id
        raise CaseNotFound("case", reference)

    def case(self, reference: str) -> Aggregate:
        """The current state of the case a reference names."""
        _, aggregate_id = self.resolve(reference)
        aggregate: Aggregate = self.repository.get(aggregate_id)
        return aggregate

    def complaint(self, reference: str) -> Complaint:
        case_type, aggregate_id = self.resolve(reference)
        if case_type.aggregate is not Complaint:
            raise CaseNotFound("complaint", reference)
        try:
            aggregate: Complaint = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise CaseNotFound("complaint", reference) from None
        return aggregate

    def history(self, aggregate_id: UUID) -> Iterable[Aggregate.Event]:
        """Every stored event of one case, in version order (what an auditor replays)."""
        yield from self.events.get(aggregate_id)  # type: ignore[misc]


def _tracks_deadlines(case_type: CaseType) -> bool:
    return issubclass(case_type.aggregate, DeadlineTracking)


def _case_type_of_topic(topic: str, fallback: CaseType) -> CaseType:
    """Cases that share an id space (property and travel claims) differ by their first event."""
    for case_type in CASE_INDEX.case_types:
        if topic == case_type.opening_topic:
            return case_type
    return fallback
