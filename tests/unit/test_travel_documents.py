"""The travel document lists held as data against the seed's own text (TR-D-0, TR-D-A … TR-D-J):
count, order, letters and wording of every item, section by section.

The seed (tests/fixtures/seeds/003_26f13bd79c8c0a80.txt, a copy of ../shared/seeds) is parsed
here independently of domain/travel/documents.json."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from claims_ledger.domain.errors import RuleViolation
from claims_ledger.domain.travel.catalogue import catalogue

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "seeds" / "003_26f13bd79c8c0a80.txt"
EN_DASH = "\u2013"  # the seed's headings and sub-items use an en dash
SHARED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / SEED.name


@dataclass
class SeedItem:
    letter: str
    text: str
    dashes: list[str] = field(default_factory=list)


@dataclass
class SeedSection:
    heading: str
    items: list[SeedItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _section_id(heading: str) -> str:
    """The section id of a heading: Bagian B 2b -> B2b, Untuk Kecelakaan Diri -> H-death."""
    if heading.startswith("Untuk Kecelakaan"):
        return "H-death"
    if heading.startswith("Untuk Cacat"):
        return "H-disability"
    m = re.match(r"^Bagian (\w+)(?: (2[a-e]))? \u2013", heading)
    assert m, heading
    return m.group(1) + (m.group(2) or "")


def parse_seed() -> tuple[list[str], dict[str, SeedSection]]:
    lines = SEED.read_text(encoding="utf-8").splitlines()
    mandatory: list[str] = []
    sections: dict[str, SeedSection] = {}
    current: SeedSection | None = None
    in_mandatory = False
    for line in lines:
        if line.startswith("*Dokumen Wajib"):
            in_mandatory = True
            continue
        if line.startswith("Kirim softcopy"):
            break
        if line.startswith("Bagian ") or line.startswith("Untuk "):
            in_mandatory = False
            if line in (
                f"Bagian G {EN_DASH} Jaminan Bagasi",
                f"Bagian H {EN_DASH} Jaminan Kecelakaan Diri",
            ):
                continue  # group headings: their sub-sections carry the lists
            current = sections.setdefault(_section_id(line), SeedSection(line))
            continue
        if in_mandatory and (m := re.match(r"^(\d)\. (.*)$", line)):
            mandatory.append(m.group(2))
        elif current is not None and (m := re.match(r"^([a-z])\) (.*)$", line)):
            current.items.append(SeedItem(m.group(1), m.group(2)))
        elif current is not None and line.startswith(f"{EN_DASH} "):
            current.items[-1].dashes.append(line[2:])
        elif current is not None:
            current.notes.append(line)
    return mandatory, sections


MANDATORY, SEED_SECTIONS = parse_seed()
DOCUMENT_SECTIONS = [
    s for s in SEED_SECTIONS if not SEED_SECTIONS[s].notes or SEED_SECTIONS[s].items
]


def test_the_seed_copy_is_the_shared_seed() -> None:
    if not SHARED.exists():
        pytest.skip("../shared/seeds is not next to this clone")
    assert SEED.read_bytes() == SHARED.read_bytes()


def test_every_section_of_the_seed_is_held_in_its_order() -> None:
    """TR-D-A … TR-D-J: the same sections, in the seed's order."""
    assert list(catalogue().section_ids) == list(SEED_SECTIONS)
    assert len(SEED_SECTIONS) == 20


def test_mandatory_documents_match_the_seed_tr_d_0() -> None:
    """TR-D-0: four documents, numbered 1-4, the seed's wording."""
    held = catalogue().mandatory.items
    assert [m.number for m in held] == [1, 2, 3, 4]
    assert [m.text for m in held] == MANDATORY


@pytest.mark.parametrize("section", DOCUMENT_SECTIONS)
def test_section_list_matches_the_seed_count_order_letters_and_text(section: str) -> None:
    """TR-D-<section>: every item of the seed's list, letter by letter, with its dashed
    sub-items, and nothing else."""
    seed = SEED_SECTIONS[section].items
    held = catalogue().section(section)
    assert held.heading == SEED_SECTIONS[section].heading or held.subheading == (
        SEED_SECTIONS[section].heading
    )
    assert len(held.items) == len(seed)
    assert [i.letter for i in held.items] == [s.letter for s in seed]
    assert [i.letter for i in held.items] == [chr(ord("a") + n) for n in range(len(seed))]
    assert [i.text for i in held.items] == [s.text for s in seed]
    for item, seed_item in zip(held.items, seed, strict=True):
        assert [d.text for d in item.documents] == seed_item.dashes
        assert item.id == f"{section}.{item.letter}"
        # "a) *Dokumen wajib" stands for the TR-D-0 list
        assert (item.kind == "mandatory") == (seed_item.text == "*Dokumen wajib")
        # "Dokumen lain apabila diperlukan" is asked for later, never required up front
        assert (item.kind == "on_request") == seed_item.text.startswith("Dokumen lain")


@pytest.mark.parametrize(
    ("section", "same_as", "requires"),
    [("B2c", "B2b", "hospitalised_abroad"), ("B2d", "B", "hospitalised_abroad")],
)
def test_same_as_entries_resolve_to_the_referenced_list_plus_their_condition(
    section: str, same_as: str, requires: str
) -> None:
    """TR-D-B: "Sama dengan bagian B 2b, dan harus rawat inap di rumah sakit di luar negeri"."""
    books = catalogue()
    held = books.section(section)
    (note,) = SEED_SECTIONS[section].notes
    assert note.startswith(f"Sama dengan bagian {same_as[0]}")
    assert held.same_as == same_as and held.requires == requires and held.note == note
    assert books.items(section) == books.items(same_as)
    needed = books.required_documents(section, frozenset({requires}))
    assert needed == books.required_documents(same_as, frozenset())


@pytest.mark.parametrize("section", ["B2a", "C"])
def test_evacuation_and_repatriation_are_assistance_not_document_lists_tr_as_1(
    section: str,
) -> None:
    held = catalogue().section(section)
    (note,) = SEED_SECTIONS[section].notes
    assert "AGA" in note and "dilaporkan segera" in note
    assert held.handling == "assistance" and held.items == () and held.note == note
    with pytest.raises(RuleViolation) as refused:
        catalogue().required_documents(section, frozenset())
    assert refused.value.rule_id == "TR-AS-1"


def test_required_documents_follow_the_ground_and_the_stated_facts() -> None:
    """TR-A-1: only the chosen ground's evidence; the death certificate only for a death; the
    family card only when a relative is concerned; the questionnaire only on request."""
    books = catalogue()
    illness = books.required_documents(
        "A", frozenset({"relative"}), "death_injury_illness_quarantine"
    )
    assert illness == [
        "mandatory.1", "mandatory.2", "mandatory.3", "mandatory.4",
        "A.a", "A.b", "A.c", "A.d", "A.e", "A.f", "A.g", "A.h.1", "A.h.2", "A.l",
    ]  # fmt: skip
    death = books.required_documents(
        "A", frozenset({"death", "relative"}), "death_injury_illness_quarantine"
    )
    assert "A.h.3" in death and "A.h.4" not in death
    layoff = books.required_documents("A", frozenset(), "layoff")
    assert "A.j" in layoff and "A.h.1" not in layoff and "A.l" not in layoff
    unused = books.required_documents("D", frozenset({"unused_portion"}), "disruption")
    assert [d for d in unused if d.startswith("D.")] == ["D.c.1", "D.c.2", "D.c.3", "D.c.4", "D.e"]
    assert "G5.c" in books.required_documents("G5", frozenset({"cheques"}))
    assert "G5.c" not in books.required_documents("G5", frozenset())
    assert "H-death.g" not in books.required_documents("H-death", frozenset())


def test_an_unknown_section_is_refused_with_the_accepted_ones() -> None:
    with pytest.raises(RuleViolation) as refused:
        catalogue().section("K")
    assert "A, B, B2a" in (refused.value.accepted or "")
