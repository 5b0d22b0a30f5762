"""claims-ledger: an event-sourced ledger of insurance claims and customer complaints.

The repository keeps the mandated top-level folders (`domain/`, `projections/`, `consumers/`,
`infra/`); this package gathers them under one distribution namespace, so an installed ledger
puts nothing but `claims_ledger` at the top of site-packages.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("claims-ledger")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
