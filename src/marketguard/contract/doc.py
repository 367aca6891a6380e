"""The data contract as Markdown, generated from :mod:`marketguard.contract.spec` (``docs/data-contract.md``
embeds it; a test fails when the two drift apart)."""

from __future__ import annotations

from marketguard.contract.rules import REASONS
from marketguard.contract.spec import LOAD_ORDER, TABLES, Column, Kind
from marketguard.contract.vocabulary import vocabulary_markdown


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


def lengths_markdown() -> str:
    """Text columns grouped by their default length limit (characters), longest limit first."""
    by_limit: dict[int, list[str]] = {}
    for name in LOAD_ORDER:
        for c in TABLES[name].columns:
            if c.kind in (Kind.STRING, Kind.IP) and c.max_length is not None:
                by_limit.setdefault(c.max_length, []).append(f"`{name}.{c.name}`")
    lines = ["| limit (characters) | columns |", "|---|---|"]
    lines += [f"| {limit:,} | {', '.join(cols)} |" for limit, cols in sorted(by_limit.items(), reverse=True)]
    return "\n".join(lines)


def reasons_markdown() -> str:
    """Quarantine reason codes: ``<rule>:<column>``."""
    lines = ["| rule | meaning | fix |", "|---|---|---|"]
    lines += [f"| `{rule}` | {meaning} | {fix} |" for rule, (meaning, fix) in REASONS.items()]
    return "\n".join(lines)


SECTIONS = {
    "tables": tables_markdown,
    "reasons": reasons_markdown,
    "vocabulary": vocabulary_markdown,
    "lengths": lengths_markdown,
}


def render(document: str) -> str:
    """``document`` with every ``BEGIN GENERATED: <section>`` block replaced by the section made anew."""
    for name, make in SECTIONS.items():
        begin, end = f"<!-- BEGIN GENERATED: {name}", f"<!-- END GENERATED: {name} -->"
        head, found, rest = document.partition(begin)
        if not found:
            continue
        marker_end = rest.index("-->") + 3
        _, _, tail = rest.partition(end)
        document = f"{head}{begin}{rest[:marker_end]}\n{make()}\n{end}{tail}"
    return document


if __name__ == "__main__":  # pragma: no cover
    import sys
    from pathlib import Path

    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/data-contract.md")
    path.write_text(render(path.read_text()))
    print(f"regenerated {path}")
