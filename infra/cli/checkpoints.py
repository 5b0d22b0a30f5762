"""Audit with signed checkpoints: sign one (`checkpoint`), show the key that signs them
(`public-key`), verify the store against them (`verify`), export a case with its proofs for an
outside auditor (`export`). A failed check exits with status 1."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from claims_ledger.domain.complaints.handlers import COMPLAINT
from claims_ledger.domain.envelope import envelope_of
from claims_ledger.domain.merkle import MerkleTree, event_leaf_hash
from claims_ledger.domain.seals import Seal
from claims_ledger.infra import views
from claims_ledger.infra.audit import verify
from claims_ledger.infra.case_export import ExportedEvent, build_case_export, write_export_folder
from claims_ledger.infra.checkpoint import CheckpointError, NoteVerifier
from claims_ledger.infra.checkpoint_log import (
    CHECKPOINTS_FILE,
    LEAVES_FILE,
    LeafRecord,
    SourcedNote,
    TrustedCheckpoints,
    checkpoint_writer,
    kafka_checkpoints,
    read_checkpoint_file,
    read_leaves,
    read_public_key,
    signing_key,
    wall_clock,
)
from claims_ledger.infra.cli.cases import Case, Reference, resolve
from claims_ledger.infra.cli.exits import CHECK_FAILED
from claims_ledger.infra.cli.output import JsonFlag, print_json, say, warn
from claims_ledger.infra.cli.output import error as error_line
from claims_ledger.infra.cli.registry import CommandGroup
from claims_ledger.infra.cli.session import Session, for_reading
from claims_ledger.infra.errors import SetupError, Unreachable
from claims_ledger.infra.seal_store import sealing_recorder
from claims_ledger.infra.settings import Settings
from claims_ledger.infra.verify_runs import record_verify_run

group = CommandGroup("Audit")

PublicKeyOption = Annotated[
    str | None,
    typer.Option(
        "--public-key",
        help="The ledger's public key as published (a vkey, or a file holding the vkey or a PEM "
        "public key); default: the configured signing key's.",
        show_default=False,
    ),
]


def _require_seals(session: Session) -> None:
    if not sealing_recorder(session.ledger()).seals_table_exists():
        raise SetupError(
            "the event store keeps no seals yet: open it for writing once (`claims-ledger "
            "relay`, `apply`), then sign a checkpoint"
        )


def _publish_ready(settings: Settings) -> None:
    if settings.kafka_bootstrap_servers is not None:
        from claims_ledger.infra.kafka_io import ensure_topics

        ensure_topics(settings)  # the checkpoint topic too; fails fast when unreachable


@group.command()
def checkpoint(as_json: JsonFlag = False) -> None:
    """Sign a checkpoint of the whole log now: append it to LEDGER_CHECKPOINT_DIR and publish it
    to the `<prefix>.checkpoints.v1` topic (when Kafka is configured)."""
    session = for_reading(quiet=True)
    _require_seals(session)
    settings = session.settings
    _publish_ready(settings)
    written = checkpoint_writer(session.ledger(), settings).write()
    where = [str(settings.checkpoint_dir / CHECKPOINTS_FILE)]
    if settings.kafka_bootstrap_servers is not None:
        where.append(f"Kafka topic {settings.checkpoint_topic}")
    if as_json:
        print_json(
            {
                "origin": written.checkpoint.origin,
                "size": written.checkpoint.size,
                "root_hash": written.checkpoint.root_hash.hex(),
                "signed_checkpoint": written.note,
                "written_to": where,
            }
        )
        return
    say(
        f"signed a checkpoint of {views.plural(written.checkpoint.size, 'event')} "
        f"(root {written.checkpoint.root_hash.hex()}); written to {' and '.join(where)}"
    )
    print(written.note, end="")


@group.command("public-key")
def public_key(
    pem: Annotated[
        bool, typer.Option("--pem", help="A PEM public key instead of the vkey.")
    ] = False,
) -> None:
    """The public key that checks this ledger's checkpoints and exports: the C2SP vkey
    (`<origin>+<key ID>+<base64 key>`, what `claims-ledger-verify --key` takes), or --pem.

    Publish it where auditors find it independently of the ledger (docs, website)."""
    session = for_reading(quiet=True)
    signer = signing_key(session.settings, create=False)
    print(signer.verifier.public_pem().decode() if pem else signer.vkey, end="" if pem else "\n")


def _trusted_key(settings: Settings, given: str | None) -> NoteVerifier:
    if given is not None:
        return read_public_key(given, settings.checkpoint_origin)
    return signing_key(settings, create=False).verifier


def _longest_leaves(folders: list[Path]) -> list[LeafRecord]:
    candidates = [read_leaves(folder / LEAVES_FILE) for folder in folders]
    return max(candidates, key=len, default=[])


def _checkpoint_sources(
    settings: Settings, files: list[Path], from_kafka: bool
) -> tuple[list[SourcedNote], str, list[Path]]:
    """The checkpoints to check against, where they came from (said to the user), and the
    folders whose leaf records may name the event at fault."""
    notes: list[SourcedNote] = []
    said: list[str] = []
    for path in files:
        found = read_checkpoint_file(path)
        notes.extend(found)
        said.append(f"{views.plural(len(found), 'checkpoint')} from {path}")
    folders = [path.parent for path in files]
    use_kafka = from_kafka or (not files and settings.kafka_bootstrap_servers is not None)
    if use_kafka:
        try:
            found = kafka_checkpoints(settings)
        except Unreachable:
            if from_kafka:
                raise
            warn("Kafka is not reachable: using the checkpoint files instead")
        else:
            notes.extend(found)
            said.append(
                f"{views.plural(len(found), 'checkpoint')} from Kafka topic "
                f"{settings.checkpoint_topic}"
            )
    if not notes and not files and not from_kafka:
        path = settings.checkpoint_dir / CHECKPOINTS_FILE
        found = read_checkpoint_file(path) if path.exists() else []
        notes.extend(found)
        said.append(f"{views.plural(len(found), 'checkpoint')} from {path}")
    folders.append(settings.checkpoint_dir)
    return notes, "; ".join(said), folders


@group.command("verify")
def verify_(
    checkpoint_files: Annotated[
        list[Path] | None,
        typer.Option(
            "--checkpoint",
            help="A checkpoint file kept outside the data folder (repeatable); its folder's "
            f"{LEAVES_FILE} names the event at fault.",
            show_default=False,
        ),
    ] = None,
    from_kafka: Annotated[
        bool, typer.Option("--from-kafka", help="Every checkpoint on the checkpoint topic.")
    ] = False,
    public_key_: PublicKeyOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Check every stored event against the seal written with it, every seal chain, and the
    whole log against signed checkpoints (signature, size, root, consistency between them).

    Without --checkpoint or --from-kafka: the checkpoints on Kafka when it is configured and
    reachable, else those in LEDGER_CHECKPOINT_DIR. Exit status 1 on any problem."""
    session = for_reading(quiet=True)
    settings = session.settings
    files = checkpoint_files or []
    for path in files:
        if not path.is_file():
            raise typer.BadParameter(f"{path} is not a file", param_hint="'--checkpoint'")
    notes, source, folders = _checkpoint_sources(settings, files, from_kafka)
    trusted: TrustedCheckpoints | None = None
    if notes:
        key = _trusted_key(settings, public_key_)
        trusted = TrustedCheckpoints(key, notes, _longest_leaves(folders), origin=key.name)
    report = verify(session.ledger(), trusted)
    record_verify_run(settings, report, source if notes else f"none ({source})", wall_clock())
    if as_json:
        print_json(asdict(report) | {"ok": report.ok, "checkpoint_source": source})
    else:
        say(f"checkpoints: {source}" if notes else f"no checkpoint found ({source})")
        say(report.summary())
        for line in report.lines():
            say(f"  {line}")
    if not report.ok:
        raise typer.Exit(CHECK_FAILED)


@group.command("export")
def export(
    reference: Reference,
    out: Annotated[
        Path, typer.Option("--out", help="The folder to write (created).", show_default=False)
    ],
) -> None:
    """A case for an outside auditor: its events and seals, each event's inclusion proof against
    a signed checkpoint (one is signed now if none covers the case), its calculations and
    timeline, the public key, and the standalone verifier (`claims_ledger_verify.py`)."""
    session = for_reading(quiet=True)
    _require_seals(session)
    settings = session.settings
    case = resolve(session, reference)
    ledger = session.ledger()
    tree = MerkleTree()
    positions: dict[int, int] = {}  # version -> leaf index
    sealed: dict[int, Seal] = {}
    seals = sealing_recorder(ledger).select_seals(0)
    for leaf_index, notification_id in enumerate(sorted(seals)):
        seal = seals[notification_id]
        tree.append(event_leaf_hash(seal.hash))
        if seal.aggregate_id == case.id:
            positions[seal.version] = leaf_index
            sealed[seal.version] = seal
    events = []
    for domain_event in ledger.history(case.id):
        version = domain_event.originator_version
        envelope = envelope_of(
            domain_event, ledger.aggregate_types.of(domain_event), sealed[version].prev_hash
        )
        events.append(ExportedEvent(positions[version], envelope))
    writer = checkpoint_writer(ledger, settings)
    latest = writer.latest()
    last_leaf = max(e.leaf_index for e in events)
    if latest is None or latest.checkpoint.size <= last_leaf:
        _publish_ready(settings)
        latest = writer.write()
    note = latest.note
    signer = writer.signer
    try:
        exported = build_case_export(
            events,
            tree=tree,
            signed_checkpoint=note,
            signer=signer,
            derived=_derived(session, case),
        )
    except CheckpointError as error:
        error_line(f"cannot export {case}: {error}; run `claims-ledger verify`")
        raise typer.Exit(CHECK_FAILED) from None
    written = write_export_folder(out, exported)
    say(
        f"exported {case} ({views.plural(len(events), 'event')}, checkpoint of size "
        f"{latest.checkpoint.size}) to {', '.join(str(p) for p in written)}; check it with "
        f"`python {written[-1]} {out} --key <the published vkey>`"
    )


def _derived(session: Session, case: Case) -> dict[str, Any]:
    """What the read model derived for the case (travels under the export's seal only)."""
    from claims_ledger.projections.complaint_timeline import case_timeline
    from claims_ledger.projections.complaint_timeline import timeline as complaint_timeline

    read_model = session.read_model()
    events = read_model.events(str(case.id))
    deadlines = read_model.deadlines(str(case.id))
    complaint = read_model.complaint_status(case.reference) if case.is_a(COMPLAINT) else None
    timeline: dict[str, Any] | None = None
    if complaint is not None:
        timeline = complaint_timeline(complaint, events, deadlines)
    elif events:
        timeline = case_timeline(case.reference, case.type.name, str(case.id), events, deadlines)
    calculations = views.rows_json(read_model.calculations(str(case.id)))
    derived: dict[str, Any] = json.loads(
        json.dumps(
            {"timeline": views.jsonable(timeline), "calculations": calculations}, default=str
        )
    )
    return derived
