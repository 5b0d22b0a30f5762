"""`python -m claims_ledger`: the same command line as `claims-ledger`."""

from __future__ import annotations

from claims_ledger.infra.cli import main

if __name__ == "__main__":
    main()
