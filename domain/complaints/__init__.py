"""Customer complaints and the quarterly complaint report (RULES.md sections 1 and 4)."""
