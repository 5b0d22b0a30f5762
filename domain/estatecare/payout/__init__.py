"""Payout calculators for EstateCare (RULES.md section 2): pure functions that return the payable
amount and a trace of every step (rule id, description, amount before, amount after), C-CALC-1."""
