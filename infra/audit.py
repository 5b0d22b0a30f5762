"""What an auditor runs: rebuild a read model from the event store, verify the stored history
against the seals written with it (and, once they land, against signed checkpoints)."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification

from claims_ledger.domain.envelope import GENESIS_HASH, envelope_of, event_type_of
from claims_ledger.domain.ledger import Ledger
from claims_ledger.domain.merkle import MerkleTree, ProofError, event_leaf_hash, verify_consistency
from claims_ledger.domain.seals import Seal
from claims_ledger.infra.checkpoint import Checkpoint, CheckpointError, OriginMismatch
from claims_ledger.infra.checkpoint_log import LEAVES_FILE, LeafRecord, TrustedCheckpoints
from claims_ledger.infra.progress import progress
from claims_ledger.infra.seal_store import sealing_recorder
from claims_ledger.infra.store import envelope_chain
from claims_ledger.infra.views import plural
from claims_ledger.projections.read_model import ReadModelMixin

EVENT_STORE_SOURCE = "eventstore"


REBUILD_BATCH = 1000


def rebuild(ledger: Ledger, target: ReadModelMixin, *, batch_size: int = REBUILD_BATCH) -> int:
    """Fold every stored event not yet in `target` into it; returns how many were applied.

    One transaction per `batch_size` events, each recording the notification id it reached: a
    rebuild stopped between batches carries on from the last one committed."""
    chain = envelope_chain(ledger)
    applied = 0
    position = target.position(EVENT_STORE_SOURCE) or 0
    remaining = max((ledger.recorder.max_notification_id() or 0) - position, 0)
    with progress("rebuild", remaining) as advance:
        while True:
            notifications = ledger.recorder.select_notifications(
                start=position, limit=batch_size, inclusive_of_start=False
            )
            if not notifications:
                return applied
            with target.batch() as batch:
                for notification in notifications:
                    envelope = chain.envelope(ledger.mapper.to_domain_event(notification))
                    batch.apply(envelope, EVENT_STORE_SOURCE, notification.id)
            applied += len(notifications)
            position = notifications[-1].id
            advance(len(notifications))


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the stored history, named as an auditor would look it up."""

    aggregate_id: str | None  # None: the whole store
    version: int | None
    what: str
    notification_id: int | None = None
    event_type: str | None = None
    aggregate_type: str | None = None
    reference: str | None = None

    def line(self) -> str:
        if self.aggregate_id is None:
            return self.what
        case = " ".join(
            part for part in (self.aggregate_type, self.reference, f"({self.aggregate_id})") if part
        )
        version = f" v{self.version}" if self.version is not None else ""
        event = f" {self.event_type}" if self.event_type else ""
        return f"{case}{version}{event}: {self.what}"


@dataclass
class VerifyReport:
    stored_events: int = 0
    sealed_events: int = 0
    aggregates: int = 0
    checkpoints: int = 0
    covered_events: int | None = None
    """How many events the largest valid checkpoint covers (None: no checkpoint checked)."""
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def uncovered_events(self) -> int:
        """Events stored after the largest checkpoint: no checkpoint vouches for them yet."""
        if self.covered_events is None:
            return self.stored_events
        return max(0, self.stored_events - self.covered_events)

    def summary(self) -> str:
        covered = (
            f" ({self.uncovered_events} events after the latest checkpoint, not yet covered)"
            if self.covered_events is not None and self.uncovered_events
            else ""
        )
        return (
            f"{plural(self.stored_events, 'stored event')}, {plural(self.sealed_events, 'seal')}, "
            f"{plural(self.aggregates, 'case')}, {plural(self.checkpoints, 'checkpoint')} "
            f"checked{covered}: {plural(len(self.problems), 'problem')}"
        )

    def lines(self) -> list[str]:
        return [problem.line() for problem in self.problems]


def verify(
    ledger: Ledger, checkpoints: TrustedCheckpoints | None = None, *, batch_size: int = 1000
) -> VerifyReport:
    """Walk every aggregate's chain from the event store: recompute each event's hash from its
    stored bytes and compare it with its stored seal; check that the seals chain (each
    `prev_hash` is the `hash` of the version before, from GENESIS_HASH, versions without gaps)
    and that every event has its seal and every seal its event, at the same notification id.

    This finds an event altered, deleted (the last of its case too, while its seal remains),
    inserted without a seal, or moved to another position, and a seals table changed without
    care. An attacker who rewrites the events and every hash kept beside them consistently is
    found only against signed checkpoints kept elsewhere (`checkpoints`): nothing in the same
    data folder is trusted as a witness.
    """
    recorder = sealing_recorder(ledger)
    report = VerifyReport(checkpoints=len(checkpoints.notes) if checkpoints else 0)
    if not recorder.seals_table_exists():
        report.problems.append(
            Problem(
                aggregate_id=None,
                version=None,
                what="the event store keeps no seals (written before 0.2 and never opened for "
                "writing since): open it for writing once (`claims-ledger relay`, `apply`) to "
                "seal its events, then verify again",
            )
        )
        return report
    walk = _Walk(ledger, report, keep_leaves=checkpoints is not None)
    with progress("verify", recorder.max_notification_id()) as advance:
        position = 0
        while True:
            events = recorder.select_notifications(
                start=position, limit=batch_size, inclusive_of_start=False
            )
            stop = events[-1].id if events else None  # past the last event: every seal left
            seals = recorder.select_seals(position + 1, stop)
            by_id = {n.id: n for n in events}
            for notification_id in sorted(by_id.keys() | seals.keys()):
                walk.step(notification_id, by_id.get(notification_id), seals.get(notification_id))
            advance(len(events))
            if stop is None:
                break
            position = stop
    if checkpoints is not None:
        report.problems.extend(check_checkpoints(walk.leaves, checkpoints))
        valid = _signed_checkpoints(checkpoints)[1]
        report.covered_events = valid[-1][1].size if valid else 0
    walk.finish()
    return report


@dataclass(frozen=True)
class Leaf:
    """One stored event as a leaf of the log: its hash recomputed from its stored bytes."""

    notification_id: int
    aggregate_id: UUID
    version: int
    hash: str


def check_checkpoints(leaves: Sequence[Leaf], checkpoints: TrustedCheckpoints) -> list[Problem]:
    """The outside anchor: the log's leaves as the store holds them now against signed
    checkpoints kept elsewhere.

    `leaves` is every stored event in notification order, its hash recomputed from its stored
    bytes (chained per aggregate in notification order), independent of the seals table. Each
    checkpoint must be signed by the trusted key, cover no more events than the store holds,
    and its root must be the RFC 6962 root of the first `size` leaves; consecutive checkpoints
    must be consistent (RFC 9162 consistency proofs). For the smallest checkpoint that the
    store fails, the first leaf that differs is named (aggregate, version) when the leaf
    records published with the checkpoints reproduce its root.
    """
    problems, ordered = _signed_checkpoints(checkpoints)
    store = MerkleTree(event_leaf_hash(leaf.hash) for leaf in leaves)
    published = _published_tree(checkpoints.leaves)
    failed: Checkpoint | None = None
    for source, checkpoint in ordered:
        what = f"checkpoint {source} (size {checkpoint.size}, signed {_when(checkpoint)})"
        if checkpoint.size > store.size:
            problems.append(
                _log_problem(
                    f"{what} covers {checkpoint.size} events but the store holds {store.size}: "
                    "events deleted since it was signed"
                )
            )
        elif store.root(checkpoint.size) != checkpoint.root_hash:
            problems.append(
                _log_problem(
                    f"{what}: the store's first {checkpoint.size} events do not hash to its "
                    "root: an event was altered, deleted, inserted or moved since it was signed"
                )
            )
        else:
            continue
        failed = failed or checkpoint
    for (older_source, older), (newer_source, newer) in itertools.pairwise(ordered):
        problem = _inconsistency(older, newer, [store, published])
        if problem:
            problems.append(
                _log_problem(f"checkpoints {older_source} and {newer_source}: {problem}")
            )
    if failed is not None:
        problems.extend(_first_differences(leaves, checkpoints.leaves, published, failed))
    return problems


def _signed_checkpoints(
    checkpoints: TrustedCheckpoints,
) -> tuple[list[Problem], list[tuple[str, Checkpoint]]]:
    """The checkpoints whose signature verifies, by size (one per size and root), and a
    problem for each that does not."""
    problems: list[Problem] = []
    signed: dict[tuple[int, bytes], tuple[str, Checkpoint]] = {}
    for sourced in checkpoints.notes:
        try:
            checkpoint = checkpoints.public_key.verify_checkpoint(
                sourced.note, origin=checkpoints.origin
            )
        except OriginMismatch as error:
            problems.append(
                _log_problem(
                    f"checkpoint {sourced.source}: {error} (the default origin follows the data "
                    "folder's or the database's name: for a ledger copied, restored or renamed, "
                    f"set LEDGER_CHECKPOINT_ORIGIN={error.found} if that is its own)"
                )
            )
            continue
        except CheckpointError as error:
            problems.append(_log_problem(f"checkpoint {sourced.source}: {error}"))
            continue
        signed.setdefault((checkpoint.size, checkpoint.root_hash), (sourced.source, checkpoint))
    return problems, sorted(signed.values(), key=lambda found: found[1].size)


def _log_problem(what: str) -> Problem:
    return Problem(aggregate_id=None, version=None, what=what)


def _when(checkpoint: Checkpoint) -> str:
    return checkpoint.time.isoformat() if checkpoint.time else "at an unknown time"


def _published_tree(records: Sequence[LeafRecord]) -> MerkleTree:
    tree = MerkleTree()
    for record in records:
        try:
            tree.append(event_leaf_hash(record.hash))
        except ValueError:
            break
    return tree


def _inconsistency(older: Checkpoint, newer: Checkpoint, trees: Sequence[MerkleTree]) -> str:
    """Why two checkpoints cannot both be of one append-only log ("" if they can, or if no tree
    at hand reproduces the newer one to prove it from)."""
    if older.size == newer.size:
        return "" if older.root_hash == newer.root_hash else "same size, different roots: forked"
    if older.size == 0:
        return ""
    for tree in trees:
        if tree.size >= newer.size and tree.root(newer.size) == newer.root_hash:
            try:
                proof = tree.consistency_proof(older.size, newer.size)
                verify_consistency(older.size, newer.size, older.root_hash, newer.root_hash, proof)
            except ProofError as error:
                return f"not consistent ({error}): the log was rewritten between them"
            return ""
    return ""


def _first_differences(
    leaves: Sequence[Leaf],
    records: Sequence[LeafRecord],
    published: MerkleTree,
    checkpoint: Checkpoint,
) -> list[Problem]:
    """The first leaf where the store differs from what `checkpoint` signed, named from both
    sides: the event the store holds there and the event the checkpoint held there."""
    size = checkpoint.size
    if published.size < size or published.root(size) != checkpoint.root_hash:
        return [
            _log_problem(
                f"no leaf records reproduce the root of the checkpoint of size {size} (keep "
                f"{LEAVES_FILE} with the checkpoints): the event at fault cannot be named"
            )
        ]
    for index in range(size):
        record = records[index]
        leaf = leaves[index] if index < len(leaves) else None
        if leaf is not None and leaf.hash == record.hash:
            continue
        found = []
        signed_as = f"{record.aggregate_id} v{record.version}"
        if leaf is not None:
            found.append(
                Problem(
                    str(leaf.aggregate_id),
                    leaf.version,
                    f"at leaf {index} (notification {leaf.notification_id}) hashes to "
                    f"{leaf.hash[:12]}…, not to the hash the checkpoint of size {size} signed "
                    f"there ({record.hash[:12]}…, {signed_as}): altered, inserted or moved",
                    leaf.notification_id,
                )
            )
        if leaf is None or (leaf.aggregate_id, leaf.version) != (
            record.aggregate_id,
            record.version,
        ):
            held = (
                f"the store holds {leaf.aggregate_id} v{leaf.version} there"
                if leaf is not None
                else f"the store holds only {len(leaves)} events"
            )
            found.append(
                Problem(
                    str(record.aggregate_id),
                    record.version,
                    f"signed at leaf {index} by the checkpoint of size {size}, but {held}: "
                    "deleted, moved or replaced",
                )
            )
        return found
    return []


class _Walk:
    """State of one walk over the notification log: per aggregate, the last seal seen (the
    seal chain) and, when checkpoints are checked, the last recomputed hash (the leaves)."""

    def __init__(self, ledger: Ledger, report: VerifyReport, *, keep_leaves: bool) -> None:
        self.ledger = ledger
        self.report = report
        self.sealed: dict[UUID, tuple[int, str]] = {}
        self.recomputed: dict[UUID, str] = {}
        self.keep_leaves = keep_leaves
        self.leaves: list[Leaf] = []
        self.references: dict[UUID, str] = {}
        self.types: dict[UUID, str] = {}
        self.seen: set[UUID] = set()

    def problem(
        self,
        aggregate_id: UUID,
        version: int | None,
        what: str,
        notification_id: int | None,
        event_type: str | None = None,
    ) -> None:
        self.report.problems.append(
            Problem(str(aggregate_id), version, what, notification_id, event_type)
        )

    def step(self, notification_id: int, event: Notification | None, seal: Seal | None) -> None:
        if seal is not None:
            self.report.sealed_events += 1
            self.seen.add(seal.aggregate_id)
            self._check_seal_chain(notification_id, seal)
        if event is None:
            assert seal is not None
            self.problem(
                seal.aggregate_id,
                seal.version,
                f"sealed at notification {notification_id} but missing from the event store: "
                "deleted",
                notification_id,
            )
            return
        self.report.stored_events += 1
        aggregate_id = UUID(str(event.originator_id))
        self.seen.add(aggregate_id)
        self._check_event(notification_id, aggregate_id, event, seal)

    def _check_seal_chain(self, notification_id: int, seal: Seal) -> None:
        last = self.sealed.get(seal.aggregate_id)
        expected_version, expected_prev = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        if seal.version < expected_version:
            self.problem(
                seal.aggregate_id,
                seal.version,
                f"sealed at notification {notification_id}, after the seal of "
                f"v{expected_version - 1}: seals out of order (reordered)",
                notification_id,
            )
            return
        if seal.version > expected_version:
            missing = (
                f"v{expected_version}"
                if seal.version == expected_version + 1
                else f"v{expected_version}-v{seal.version - 1}"
            )
            self.problem(
                seal.aggregate_id,
                seal.version,
                f"the seal chain skips {missing}: deleted together with their seals",
                notification_id,
            )
        elif seal.prev_hash != expected_prev:
            self.problem(
                seal.aggregate_id,
                seal.version,
                f"seal chain broken: prev_hash {seal.prev_hash[:16]}… is not the hash of "
                f"v{seal.version - 1} ({expected_prev[:16]}…)",
                notification_id,
            )
        self.sealed[seal.aggregate_id] = (seal.version, seal.hash)

    def _check_event(
        self, notification_id: int, aggregate_id: UUID, event: Notification, seal: Seal | None
    ) -> None:
        version = event.originator_version
        try:
            domain_event = self.ledger.mapper.to_domain_event(event)
            aggregate_type = self.ledger.aggregate_types.of(domain_event)
        except Exception as error:  # whatever these bytes are, they are not what was sealed
            self.problem(
                aggregate_id,
                version,
                f"cannot be decoded ({type(error).__name__}: {error}): altered",
                notification_id,
            )
            if self.keep_leaves:  # a leaf still, one that no checkpoint signed
                undecodable = hashlib.sha256(event.state).hexdigest()
                self.leaves.append(Leaf(notification_id, aggregate_id, version, undecodable))
            return
        self.types[aggregate_id] = aggregate_type
        event_type = event_type_of(domain_event)
        if version == 1:
            reference = _reference_of(domain_event)
            if reference is not None:
                self.references[aggregate_id] = reference
        if self.keep_leaves:
            prev = self.recomputed.get(aggregate_id, GENESIS_HASH)
            recomputed = envelope_of(domain_event, aggregate_type, prev).hash
            self.recomputed[aggregate_id] = recomputed
            self.leaves.append(Leaf(notification_id, aggregate_id, version, recomputed))
        if seal is None:
            self.problem(
                aggregate_id,
                version,
                f"stored at notification {notification_id} without a seal: inserted after it "
                "was sealed",
                notification_id,
                event_type,
            )
        elif seal.key != (aggregate_id, version):
            self.problem(
                aggregate_id,
                version,
                f"stored at notification {notification_id}, where the seal is for "
                f"{seal.aggregate_id} v{seal.version}: moved, swapped or renumbered",
                notification_id,
                event_type,
            )
        else:
            hashed = envelope_of(domain_event, aggregate_type, seal.prev_hash).hash
            if hashed != seal.hash:
                self.problem(
                    aggregate_id,
                    version,
                    f"altered since it was stored (hash {hashed[:12]}…, seal {seal.hash[:12]}…)",
                    notification_id,
                    event_type,
                )

    def finish(self) -> None:
        self.report.aggregates = len(self.seen)
        self.report.problems[:] = [self._named(p) for p in self.report.problems]

    def _named(self, problem: Problem) -> Problem:
        if problem.aggregate_id is None:
            return problem
        aggregate_id = UUID(problem.aggregate_id)
        return replace(
            problem,
            aggregate_type=self.types.get(aggregate_id),
            reference=self.references.get(aggregate_id),
        )


def _reference_of(domain_event: Any) -> str | None:
    """The insurer's reference of a case, from its first event (never personal data)."""
    for name in ("reference", "policy_number", "quarter"):
        value = domain_event.__dict__.get(name)
        if isinstance(value, str):
            return value
    return None
