"""The travel claim's document lists and grounds as data (TR-D-0, TR-D-A … TR-D-J, TR-A-1).

`documents.json` holds every list of the seed item by item, in the seed's order and letters,
with the Indonesian text verbatim and an English name. This module validates it (pydantic) and
answers one question: which documents does a claim for these sections need, given what the
insured states (the ground, whether a relative is concerned, whether cheques were lost, ...)?
"""

from __future__ import annotations

import enum
import json
from functools import cache
from importlib.resources import files
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from claims_ledger.domain.errors import RuleViolation


class Circumstance(enum.StrEnum):
    """What the insured states about a section; each selects items of its list."""

    HOSPITALISED_ABROAD = "hospitalised_abroad"  # B2c, B2d ("harus rawat inap ... luar negeri")
    RETURN_COST = "return_cost"  # D b: extra cost of returning to Indonesia
    UNUSED_PORTION = "unused_portion"  # D c: unused portion of tickets and accommodation
    LOST_BY_AIRLINE = "lost_by_airline"  # G1 b, G4 b: PIR and baggage tag
    CHEQUES = "cheques"  # G5 c: cheque loss report
    MINOR_HEIRS = "minor_heirs"  # H death g: guardianship order


DERIVED = frozenset({"death", "relative"})
"""Facts that come from the ground (A h / D d: a death; a relative concerned), not stated."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SubDocument(_Model):
    number: int = Field(ge=1)
    id: str
    name: str
    text: str
    kind: Literal["document", "on_request"]
    when: str | None = None


class Item(_Model):
    letter: str = Field(pattern=r"^[a-z]$")
    id: str
    name: str
    text: str
    kind: Literal["document", "mandatory", "ground", "on_request"]
    when: str | None = None
    time_rule: Literal["TR-P-1"] | None = None
    documents: tuple[SubDocument, ...] = ()


class MandatoryDocument(_Model):
    number: int = Field(ge=1)
    id: str
    name: str
    text: str


class MandatoryList(_Model):
    rule_id: Literal["TR-D-0"]
    heading: str
    items: tuple[MandatoryDocument, ...]


class SectionList(_Model):
    section: str
    rule_id: str = Field(pattern=r"^TR-(D-[A-J]|AS-1)$")
    heading: str
    subheading: str | None = None
    title: str
    handling: Literal["documents", "assistance"]
    items: tuple[Item, ...] = ()
    same_as: str | None = None
    requires: Circumstance | None = None
    note: str | None = None


class Ground(_Model):
    id: str
    rule_id: str
    name: str
    items: dict[str, str]
    events: dict[str, tuple[str, ...]]
    concerns_a_person: bool


class Catalogue(_Model):
    product: str
    source: str
    mandatory: MandatoryList
    sections: tuple[SectionList, ...]
    group_headings: dict[str, str]
    grounds: tuple[Ground, ...]

    # -- lookups ----------------------------------------------------------------------------

    @property
    def section_ids(self) -> tuple[str, ...]:
        return tuple(s.section for s in self.sections)

    def section(self, section: str) -> SectionList:
        for listing in self.sections:
            if listing.section == section:
                return listing
        raise RuleViolation(
            "TR-D-A",
            f"there is no section {section!r} in the {self.product} claim procedure",
            accepted=", ".join(self.section_ids),
        )

    def items(self, section: str) -> tuple[Item, ...]:
        """The section's own list; a "same as section X" entry resolves to X's list."""
        listing = self.section(section)
        if listing.same_as is not None:
            return self.section(listing.same_as).items
        return listing.items

    def ground(self, ground: str) -> Ground:
        for g in self.grounds:
            if g.id == ground:
                return g
        raise RuleViolation(
            "TR-A-1",
            f"{ground!r} is not a cancellation or early-return ground",
            accepted=", ".join(g.id for g in self.grounds),
        )

    def names(self) -> dict[str, str]:
        """Every document id with its English name."""
        out = {m.id: m.name for m in self.mandatory.items}
        for listing in self.sections:
            for item in listing.items:
                out[item.id] = item.name
                out.update({d.id: d.name for d in item.documents})
        return out

    def circumstances_for(self, section: str) -> frozenset[str]:
        """The circumstances a section's list depends on (stated by the insured)."""
        listing = self.section(section)
        found = {i.when for i in self.items(section) if i.when}
        found |= {d.when for i in self.items(section) for d in i.documents if d.when}
        if listing.requires is not None:
            found.add(listing.requires)
        return frozenset(found - DERIVED)

    # -- what a claim needs -------------------------------------------------------------------

    def required_documents(
        self, section: str, facts: frozenset[str], ground: str | None = None
    ) -> list[str]:
        """TR-D-0 plus the section's list: items that apply to the stated facts, the chosen
        ground's evidence (TR-A-1) only, never "other documents if needed" (asked for later)."""
        listing = self.section(section)
        if listing.handling == "assistance":
            raise RuleViolation(
                "TR-AS-1",
                f"section {section} ({listing.title}) is arranged by the assistance provider "
                "and reported to it immediately; it is an assistance case, not a document claim",
                accepted="ReportAssistanceCase",
            )
        chosen = self.ground(ground).items.get(section) if ground else None
        wanted = [m.id for m in self.mandatory.items]
        for item in self.items(section):
            if item.kind == "on_request" or (item.when and item.when not in facts):
                continue
            if item.kind == "mandatory":
                continue  # TR-D-0, already first in the list
            if item.kind == "ground" and item.id != chosen:
                continue
            if item.documents:
                wanted.extend(
                    d.id
                    for d in item.documents
                    if d.kind == "document" and (d.when is None or d.when in facts)
                )
            else:
                wanted.append(item.id)
        return list(dict.fromkeys(wanted))


@cache
def catalogue() -> Catalogue:
    text = files(__package__).joinpath("documents.json").read_text(encoding="utf-8")
    return Catalogue.model_validate(json.loads(text))
