"""The data contract as Markdown, generated from :mod:`marketguard.contract.spec` (``docs/data-contract.md``
embeds it; a test fails when the two drift apart)."""

from __future__ import annotations

from marketguard.contract.rules import REASONS
from marketguard.contract.spec import LOAD_ORDER, TABLES, Column


def _column(c: Column) -> str:
    text = f"`{c.name}`{'*' if c.required else ''} ({c.kind.value})"
    if c.references:
        text += f" -> {c.references[0]}.{c.references[1]}"
    return text


def tables_markdown() -> str:
    """One row per table: required or not, key, columns (`*` = required) and meaning."""
    lines = ["| table | required | key | columns (`*` = required) | meaning |", "|---|---|---|---|---|"]
    for name in LOAD_ORDER:
        t = TABLES[name]
        cols = ", ".join(_column(c) for c in t.columns)
        lines.append(f"| `{name}` | {'yes' if t.required else 'no'} | {t.key or ''} | {cols} | {t.meaning} |")
    return "\n".join(lines)


def reasons_markdown() -> str:
    """Quarantine reason codes: ``<rule>:<column>``."""
    lines = ["| rule | meaning | fix |", "|---|---|---|"]
    lines += [f"| `{rule}` | {meaning} | {fix} |" for rule, (meaning, fix) in REASONS.items()]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(tables_markdown())
    print()
    print(reasons_markdown())
