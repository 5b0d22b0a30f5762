"""The ledger's signed checkpoints: the signing key from settings, writing a checkpoint of the
notification log (files in LEDGER_CHECKPOINT_DIR and the `<prefix>.checkpoints.v1` topic), and
reading them back for `verify` and `export`.

Leaf `i` of the log is the `i`-th stored event in notification order (from 0, dense: PostgreSQL
notification ids may have gaps); its data is the event's sealed hash (domain/merkle.py). Writing
uses the seals stored with the events; `verify` recomputes every hash from the stored bytes.

The checkpoint folder holds, all append-only and meant to be copied elsewhere by an auditor:
- `checkpoints.txt`: every signed checkpoint (a C2SP signed note), each followed by a blank line;
- `leaves.txt`: one line per leaf, `<index> <aggregate id> <version> <sealed hash>`. It is
  trusted only where its hashes reproduce a signed root: then it says which event a checkpoint
  held at each position, and `verify` can name the first one the store no longer matches;
- `compact-range.json`: the writer's state (tree size, the last notification id covered, the
  compact range's subtree roots, the length of `leaves.txt`), so that signing a checkpoint
  after N more events reads N seals, not the whole log. It is never used to verify anything.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import structlog

from claims_ledger.domain.ledger import Ledger
from claims_ledger.domain.merkle import CompactRange, event_leaf_hash
from claims_ledger.infra.checkpoint import (
    Checkpoint,
    CheckpointError,
    CheckpointSigner,
    NoteVerifier,
    SignedNote,
)
from claims_ledger.infra.errors import SetupError
from claims_ledger.infra.seal_store import sealing_recorder
from claims_ledger.infra.settings import Settings

log = structlog.get_logger(__name__)

CHECKPOINTS_FILE = "checkpoints.txt"
LEAVES_FILE = "leaves.txt"
STATE_FILE = "compact-range.json"
LOCK_FILE = ".lock"
GENERATED_KEY_FILE = "checkpoint-signing-key.pem"
"""In the data folder: the key generated for the embedded defaults (demo, `make run`)."""
SEAL_BATCH = 1000
SIGNATURE_START = "\u2014 "

Clock = Callable[[], datetime]


class NoSigningKey(SetupError):
    """Neither a configured key nor a generated one to sign or check checkpoints with."""


def wall_clock() -> datetime:
    return datetime.now(UTC)


# -- keys ------------------------------------------------------------------------------------


def signing_key(settings: Settings, *, create: bool = True) -> CheckpointSigner:
    """The configured signing key (LEDGER_SIGNING_KEY, else LEDGER_SIGNING_KEY_FILE); without
    either, the key generated into the data folder on first use (`create`), said in the log."""
    name = settings.checkpoint_origin
    try:
        if settings.ledger_signing_key is not None:
            return CheckpointSigner.from_seed(name, settings.ledger_signing_key)
        if settings.ledger_signing_key_file is not None:
            return CheckpointSigner.from_pem_file(name, settings.ledger_signing_key_file)
        generated = settings.ledger_data_dir / GENERATED_KEY_FILE
        if generated.exists():
            return CheckpointSigner.from_pem_file(name, generated)
    except CheckpointError as error:
        raise NoSigningKey(f"{error} (LEDGER_SIGNING_KEY or LEDGER_SIGNING_KEY_FILE)") from None
    if not create:
        raise NoSigningKey(
            "no checkpoint key: set LEDGER_SIGNING_KEY or LEDGER_SIGNING_KEY_FILE, or give the "
            f"ledger's public key with --public-key (no generated key in {generated})"
        )
    signer = CheckpointSigner.generate(name)
    if not signer.write_private_pem(generated, exclusive=True):
        # another process (a relay and a consumer starting together) generated it first
        return CheckpointSigner.from_pem_file(name, generated)
    log.warning(
        "checkpoint.key_generated",
        path=str(generated),
        vkey=signer.vkey,
        advice="a demo key: production sets LEDGER_SIGNING_KEY or LEDGER_SIGNING_KEY_FILE and "
        "publishes its public key (`claims-ledger public-key`)",
    )
    return signer


def read_public_key(value: str, name: str) -> NoteVerifier:
    """A public key given by an auditor: a vkey, or a file holding a vkey or a PEM public key."""
    text = value
    path = Path(value)
    if "+" not in value or path.is_file():
        try:
            text = path.read_text()
        except OSError as error:
            raise NoSigningKey(f"cannot read public key file {value}: {error.strerror}") from None
    try:
        if "-----BEGIN PUBLIC KEY-----" in text:
            return NoteVerifier.from_public_pem(name, text.encode())
        return NoteVerifier.from_vkey(text.strip())
    except CheckpointError as error:
        raise NoSigningKey(f"--public-key {value}: {error}") from None


# -- reading checkpoints and leaves ----------------------------------------------------------


@dataclass(frozen=True)
class SourcedNote:
    source: str
    """Where it came from (`file:line`, `topic:offset`), to name it in a problem."""
    note: str


@dataclass(frozen=True)
class LeafRecord:
    """A leaf as the checkpoint writer recorded it: which event was at that position."""

    aggregate_id: UUID
    version: int
    hash: str


@dataclass(frozen=True)
class TrustedCheckpoints:
    """What `verify` checks the store against: signed checkpoints and the key they must be
    signed by. `leaves` (optional) are leaf records published with them, believed only where
    they reproduce a signed root."""

    public_key: NoteVerifier
    notes: Sequence[SourcedNote]
    leaves: Sequence[LeafRecord] = ()
    origin: str | None = None


def split_notes(text: str, source: str) -> list[SourcedNote]:
    """The signed notes of a checkpoint file: each is text lines, a blank line, signature lines
    (starting with an em dash); notes are separated by blank lines."""
    notes: list[SourcedNote] = []
    current: list[str] = []
    start = 0
    signatures = False
    for number, line in enumerate(text.split("\n"), start=1):
        if signatures and not line.startswith(SIGNATURE_START):
            notes.append(SourcedNote(f"{source}:{start}", "\n".join(current) + "\n"))
            current, signatures = [], False
        if not line and not current:
            continue  # between notes
        if not current:
            start = number
        current.append(line)
        if not line:
            signatures = True
    if current:
        notes.append(SourcedNote(f"{source}:{start}", "\n".join(current) + "\n"))
    return notes


def read_checkpoint_file(path: Path) -> list[SourcedNote]:
    try:
        return split_notes(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError) as error:
        raise SetupError(f"cannot read checkpoint file {path}: {error}") from None


def read_leaves(path: Path) -> list[LeafRecord]:
    """`leaves.txt`, up to its first malformed or out-of-sequence line."""
    leaves: list[LeafRecord] = []
    if not path.exists():
        return leaves
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            parts = line.split()
            try:
                index, aggregate_id, version, sealed = parts
                if int(index) != len(leaves):
                    break
                leaves.append(LeafRecord(UUID(aggregate_id), int(version), sealed))
            except ValueError:
                break
    return leaves


def kafka_checkpoints(settings: Settings, timeout_seconds: float = 10.0) -> list[SourcedNote]:
    """Every checkpoint on the checkpoint topic, oldest first (`Unreachable` when Kafka does
    not answer)."""
    from kafka import KafkaConsumer, TopicPartition

    from claims_ledger.infra.reachability import kafka_admin

    admin = kafka_admin(settings)  # fails fast when unreachable
    try:
        topics = set(admin.list_topics())
    finally:
        admin.close()
    topic = settings.checkpoint_topic
    if topic not in topics:
        return []
    consumer = KafkaConsumer(
        **settings.kafka_client_config(),
        enable_auto_commit=False,
        consumer_timeout_ms=int(timeout_seconds * 1000),
        client_id="claims-ledger-verify",
    )
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        notes = []
        remaining = {p for p in partitions if ends[p] > 0}
        while remaining:
            batch = consumer.poll(timeout_ms=int(timeout_seconds * 1000))
            if not batch:
                break
            for partition, messages in batch.items():
                for message in messages:
                    notes.append(
                        SourcedNote(
                            f"{topic}:{partition.partition}:{message.offset}",
                            message.value.decode("utf-8", "replace"),
                        )
                    )
                    if message.offset + 1 >= ends[partition]:
                        remaining.discard(partition)
        return notes
    finally:
        consumer.close()


# -- writing checkpoints -----------------------------------------------------------------------


@dataclass(frozen=True)
class WrittenCheckpoint:
    checkpoint: Checkpoint
    note: str
    last_notification_id: int


@dataclass(frozen=True)
class _State:
    size: int
    last_notification_id: int
    nodes: tuple[bytes, ...]
    leaves_bytes: int

    def render(self) -> str:
        return json.dumps(
            {
                "size": self.size,
                "last_notification_id": self.last_notification_id,
                "nodes": [base64.b64encode(n).decode() for n in self.nodes],
                "leaves_bytes": self.leaves_bytes,
            }
        )

    @classmethod
    def parse(cls, text: str) -> _State:
        raw: dict[str, Any] = json.loads(text)
        return cls(
            int(raw["size"]),
            int(raw["last_notification_id"]),
            tuple(base64.b64decode(n) for n in raw["nodes"]),
            int(raw["leaves_bytes"]),
        )


EMPTY_STATE = _State(0, 0, (), 0)


class CheckpointWriter:
    """Signs checkpoints of one ledger's log and appends them where they are kept.

    `publish` sends a signed note to the checkpoint topic (None: files only). The state file
    makes each checkpoint cost the events since the last one; a process that finds it missing
    or not matching its files starts over from the first event.
    """

    def __init__(
        self,
        ledger: Ledger,
        settings: Settings,
        signer: CheckpointSigner,
        *,
        clock: Clock = wall_clock,
        publish: Callable[[str], None] | None = None,
    ) -> None:
        self.ledger = ledger
        self.origin = settings.checkpoint_origin
        self.folder = settings.checkpoint_dir
        self.signer = signer
        self.clock = clock
        self.publish = publish

    @property
    def checkpoints_file(self) -> Path:
        return self.folder / CHECKPOINTS_FILE

    def latest(self) -> WrittenCheckpoint | None:
        """The last checkpoint written to the folder, if any (checked against our key)."""
        if not self.checkpoints_file.exists():
            return None
        notes = read_checkpoint_file(self.checkpoints_file)
        if not notes:
            return None
        note = notes[-1].note
        checkpoint = self.signer.verifier.verify_checkpoint(note, origin=self.origin)
        state = self._load_state()
        return WrittenCheckpoint(checkpoint, note, state.last_notification_id)

    def covered_through(self) -> int:
        """The last notification id the latest checkpoint written here covers (0: none)."""
        return self._load_state().last_notification_id

    def write(
        self, up_to: int | None = None, *, publish: Callable[[str], None] | None = None
    ) -> WrittenCheckpoint:
        """Sign a checkpoint of every sealed event with a notification id up to `up_to` (all of
        them by default), append it to the folder, then publish it (with `publish` when given:
        the relay sends it through its own producer, else with the writer's publisher)."""
        with self._locked():
            state = self._load_state()
            compact = CompactRange.from_nodes(state.size, state.nodes)
            seals = sealing_recorder(self.ledger)
            stop = self.ledger.recorder.max_notification_id() or 0
            if up_to is not None:
                stop = min(stop, up_to)
            leaves = self.folder / LEAVES_FILE
            with leaves.open("ab") as out:
                out.truncate(state.leaves_bytes)  # lines of a write that did not finish
                last = state.last_notification_id
                while last < stop:
                    batch_stop = min(stop, last + SEAL_BATCH)
                    for notification_id, seal in sorted(
                        seals.select_seals(last + 1, batch_stop).items()
                    ):
                        line = f"{compact.size} {seal.aggregate_id} {seal.version} {seal.hash}\n"
                        out.write(line.encode())
                        compact.append(event_leaf_hash(seal.hash))
                        last = notification_id
                    last = max(last, batch_stop)
                out.flush()
                os.fsync(out.fileno())
                leaves_bytes = out.tell()
            checkpoint = Checkpoint(self.origin, compact.size, compact.root(), time=self.clock())
            note = self.signer.sign(checkpoint)
            with self.checkpoints_file.open("a", encoding="utf-8") as out:
                out.write(note + "\n")
                out.flush()
                os.fsync(out.fileno())
            self._save_state(_State(compact.size, last, compact.nodes, leaves_bytes))
        log.info(
            "checkpoint.signed",
            origin=self.origin,
            size=checkpoint.size,
            root=checkpoint.root_hash.hex(),
            file=str(self.checkpoints_file),
        )
        if self.publish is not None:
            (publish or self.publish)(note)
        return WrittenCheckpoint(checkpoint, note, last)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / LOCK_FILE).open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # the relay and `claims-ledger checkpoint` at once
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _load_state(self) -> _State:
        path = self.folder / STATE_FILE
        if not path.exists() or not self.checkpoints_file.exists():
            return EMPTY_STATE
        try:
            state = _State.parse(path.read_text())
            CompactRange.from_nodes(state.size, state.nodes)
        except (ValueError, KeyError, TypeError) as error:
            log.warning("checkpoint.state_unreadable", path=str(path), error=str(error))
            return EMPTY_STATE
        return state

    def _save_state(self, state: _State) -> None:
        fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{STATE_FILE}.")
        with os.fdopen(fd, "w") as out:
            out.write(state.render())
        os.replace(temporary, self.folder / STATE_FILE)


def kafka_publisher(settings: Settings) -> Callable[[str], None] | None:
    """Sends each signed checkpoint to the checkpoint topic and waits for its ack (None when
    no Kafka cluster is configured). A producer per checkpoint (a connection and a producer id,
    120-160 ms on Apache Kafka): for `claims-ledger checkpoint`; the relay uses its own."""
    if settings.kafka_bootstrap_servers is None:
        return None

    def publish(note: str) -> None:
        from claims_ledger.infra.kafka_io import producer

        sender = producer(settings, client_id="claims-ledger-checkpoints")
        try:
            sender.send(
                settings.checkpoint_topic,
                key=settings.checkpoint_origin.encode(),
                value=note.encode(),
            ).get(timeout=60)
        finally:
            sender.close(timeout=10)

    return publish


def checkpoint_writer(
    ledger: Ledger, settings: Settings, *, clock: Clock = wall_clock
) -> CheckpointWriter:
    """The writer the settings describe: their key (generated for the demo if none) and the
    checkpoint topic when Kafka is configured."""
    return CheckpointWriter(
        ledger, settings, signing_key(settings), clock=clock, publish=kafka_publisher(settings)
    )


def parse_signed(note: str) -> Checkpoint:
    """The checkpoint a signed note carries, signature unchecked (for messages)."""
    return Checkpoint.parse(SignedNote.parse(note).text)
