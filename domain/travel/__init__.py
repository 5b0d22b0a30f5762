"""Single-trip travel claims (RULES.md section 3)."""
