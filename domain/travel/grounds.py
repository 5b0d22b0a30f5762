"""Cancellation and early-return grounds (TR-A-1) with their date rules (TR-A-2, TR-A-3).

A ground either holds, with findings that cite their rule (recorded on the claim for the
auditor), or is refused with the failed condition named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from claims_ledger.domain.errors import RuleViolation
from claims_ledger.domain.travel.catalogue import catalogue

GROUND_SECTIONS = frozenset({"A", "D"})
DAYS_BEFORE_TRIP = 7  # TR-A-2 "tujuh (7) hari berturut-turut", TR-A-3 "satu minggu"
YEARS_EMPLOYED = 2  # TR-A-2 "minimal 2 (dua) tahun berturut-turut"


@dataclass(frozen=True)
class GroundStatement:
    """What the insured states as the reason for cancelling (A) or returning early (D)."""

    ground: str
    event: str
    person: str | None = None  # "insured" or "relative" (death / injury / illness / quarantine)
    layoff_date: date | None = None
    employment_start: date | None = None
    damage_date: date | None = None

    def facts(self) -> frozenset[str]:
        """The facts the ground implies for the document lists (a death; a relative)."""
        found = set()
        if self.event == "death":
            found.add("death")
        if self.person == "relative":
            found.add("relative")
        return frozenset(found)


def years_before(day: date, years: int) -> date:
    """Same month and day `years` earlier; 29 February becomes 28 February (TR-A-2)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def check_layoff(trip_start: date, layoff_date: date, employment_start: date) -> list[str]:
    """TR-A-2: trip_start - 7 days <= layoff_date < trip_start, and
    employment_start <= layoff_date - 2 years."""
    earliest = trip_start - timedelta(days=DAYS_BEFORE_TRIP)
    if not earliest <= layoff_date < trip_start:
        raise RuleViolation(
            "TR-A-2",
            f"condition 'layoff within 7 consecutive days before the trip start' failed: "
            f"the layoff on {layoff_date} is not between {earliest} and the day before the "
            f"trip start {trip_start}",
            accepted=f"a layoff date from {earliest} to {trip_start - timedelta(days=1)}",
        )
    latest_start = years_before(layoff_date, YEARS_EMPLOYED)
    if employment_start > latest_start:
        raise RuleViolation(
            "TR-A-2",
            f"condition 'at least 2 consecutive years with the employer' failed: employed "
            f"since {employment_start}, after {latest_start} (2 years before the layoff on "
            f"{layoff_date})",
            accepted=f"employment that started on or before {latest_start}",
        )
    return [
        f"TR-A-2: layoff on {layoff_date} is within 7 days before the trip start {trip_start} "
        f"(from {earliest})",
        f"TR-A-2: employed since {employment_start}, on or before {latest_start} "
        "(2 years before the layoff)",
    ]


def check_home_damage(trip_start: date, damage_date: date) -> list[str]:
    """TR-A-3: trip_start - 7 days <= damage_date < trip_start."""
    earliest = trip_start - timedelta(days=DAYS_BEFORE_TRIP)
    if not earliest <= damage_date < trip_start:
        raise RuleViolation(
            "TR-A-3",
            f"condition 'home damaged within one week before the trip start' failed: the "
            f"damage on {damage_date} is not between {earliest} and the day before the trip "
            f"start {trip_start}",
            accepted=f"a damage date from {earliest} to {trip_start - timedelta(days=1)}",
        )
    return [
        f"TR-A-3: home damage on {damage_date} is within one week before the trip start "
        f"{trip_start} (from {earliest})"
    ]


def check_ground(statement: GroundStatement, section: str, trip_start: date) -> list[str]:
    """TR-A-1 for one ground section (A or D): the ground exists for this section, its event is
    one the seed names for it, and its date rule holds. Returns the findings."""
    ground = catalogue().ground(statement.ground)
    if section not in ground.items:
        raise RuleViolation(
            "TR-A-1",
            f"ground {ground.id!r} is not a ground for section {section}",
            accepted=", ".join(g.id for g in catalogue().grounds if section in g.items),
        )
    events = ground.events[section]
    if statement.event not in events:
        raise RuleViolation(
            "TR-A-1",
            f"{statement.event!r} is not an event of ground {ground.id!r} for section {section}",
            accepted=", ".join(events),
        )
    findings = [f"TR-A-1: {ground.name} ({statement.event}); evidence: {ground.items[section]}"]
    if ground.concerns_a_person and statement.person not in ("insured", "relative"):
        raise RuleViolation(
            "TR-A-1",
            f"ground {ground.id!r} names whom it concerns: the insured or a relative in Indonesia",
            accepted="person: insured or relative",
        )
    if ground.id == "layoff":
        if statement.layoff_date is None or statement.employment_start is None:
            raise RuleViolation(
                "TR-A-2",
                "the layoff ground states the layoff date and the employment start date",
                accepted="layoff_date and employment_start",
            )
        findings += check_layoff(trip_start, statement.layoff_date, statement.employment_start)
    if ground.id == "home_damage":
        if statement.damage_date is None:
            raise RuleViolation("TR-A-3", "the home damage ground states the date of the damage")
        findings += check_home_damage(trip_start, statement.damage_date)
    return findings
