"""The rule book (RULES.md, shipped with the package) rendered with an anchor per rule id, so
every payout line, deadline and breach links to the rule that produced it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from markdown_it import MarkdownIt

RULE_AT_START = re.compile(r"^\*\*([A-Z]{1,3}(?:-[A-Z0-9]+)+)(?:\s*…\s*[A-Z0-9-]+)?\*\*\s*")
RULE_ID = re.compile(r"^[A-Z]{1,3}(?:-[A-Z0-9]+)+$")


@dataclass(frozen=True)
class Rule:
    rule_id: str
    section: str
    text: str


@dataclass(frozen=True)
class RuleBook:
    html: str
    rules: dict[str, Rule]


def rules_markdown() -> str:
    return resources.files("claims_ledger.infra.web").joinpath("RULES.md").read_text("utf-8")


@cache
def rule_book() -> RuleBook:
    md = MarkdownIt("commonmark", {"html": False})  # raw HTML in the book is shown, not run
    tokens = md.parse(rules_markdown())
    rules: dict[str, Rule] = {}
    section = ""
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            section = tokens[i + 1].content
            token.attrSet("id", "section-" + re.sub(r"[^a-z0-9]+", "-", section.lower()).strip("-"))
        if token.type != "list_item_open":
            continue
        inline = next((t for t in tokens[i + 1 : i + 4] if t.type == "inline"), None)
        if inline is None:
            continue
        match = RULE_AT_START.match(inline.content)
        if match is None or match.group(1) in rules:
            continue
        rule_id = match.group(1)
        token.attrSet("id", rule_id)
        token.attrSet("class", "rule")
        text = " ".join(inline.content[match.end() :].split())
        rules[rule_id] = Rule(rule_id, section, text)
    return RuleBook(md.renderer.render(tokens, md.options, {}), rules)


def rule_anchor(rule_id: str) -> str:
    """Where a rule id links to: `/rules#EC-I-2` (a sub-rule `TR-P-1/G5-cheque` to its rule)."""
    base = rule_id.split("/")[0].split(":")[0].strip()
    return f"/rules#{base}" if RULE_ID.match(base) else "/rules"
