"""EstateCare policies, property claims and their payout calculators (RULES.md section 2)."""
