"""A case as one self-contained HTML file: inline CSS and SVG, no script, no URL of any kind.

A Content-Security-Policy forbids every fetch, so even text from the data that looks like a link can never make
the file reach the network when an investigator opens it. All data text is escaped with :func:`html.escape`.
"""

from __future__ import annotations

from html import escape
from typing import Any

from marketguard.report import formatting as fmt
from marketguard.report import money_trail as trail
from marketguard.report.charts import money_flow, revenue_chart, site_map
from marketguard.report.evidence import KIND_LABELS
from marketguard.report.graph_drawing import evidence_graph_svg
from marketguard.report.styles import CSS
from marketguard.report.svg import colour
from marketguard.sentences import in_currency, plural

_CSP = "default-src 'none'; style-src 'unsafe-inline'"


class Safe(str):
    """Markup built by this module (already escaped); plain ``str`` cells are escaped when written."""


Cell = str | Safe
Column = tuple[str, str]  # (heading, css class: "num", "id" or "")


def _cell(value: Cell) -> str:
    return value if isinstance(value, Safe) else escape(value)


def _table(columns: list[Column], rows: list[list[Cell]], caption: str = "") -> str:
    head = "".join(f'<th class="{cls}">{escape(name)}</th>' for name, cls in columns)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="{cls}">{_cell(v)}</td>' for (_, cls), v in zip(columns, row, strict=True))
        + "</tr>"
        for row in rows
    )
    cap = f'<p class="caption">{escape(caption)}</p>' if caption else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{cap}"


def _reasons(reasons: list[str] | None) -> Safe:
    items = "".join(f"<li>{escape(r)}</li>" for r in reasons or [])
    return Safe(f"<ul>{items}</ul>" if items else fmt.DASH)


def _kind(kind: str) -> Safe:
    swatch = f'<span class="swatch" style="background:{colour(kind)}"></span>'
    return Safe(swatch + escape(KIND_LABELS.get(kind, kind)))


def _figure(svg: str | None, caption: str, empty: str) -> str:
    if svg is None:
        return f'<p class="muted">{escape(empty)}</p>'
    return f'<figure>{svg}<figcaption class="caption">{escape(caption)}</figcaption></figure>'


def _card(name: str, value: str, detail: str = "", cls: str = "") -> str:
    extra = f'<div class="detail">{escape(detail)}</div>' if detail else ""
    return (
        f'<div class="card {cls}"><div class="name">{escape(name)}</div>'
        f'<div class="value">{escape(value)}</div>{extra}</div>'
    )


def _summary(case: dict[str, Any]) -> str:
    s, recent = case["summary"], case["recent_revenue"]
    cards = [
        _card("Network score", fmt.score(case["score"]), "1 = most suspicious", "score"),
        _card("Stores", fmt.integer(s["n_stores"])),
        _card("Accounts", fmt.integer(s["n_accounts"])),
        _card("Identity documents", fmt.integer(s["n_id_documents"]), "distinct, behind these accounts"),
        _card(
            "Revenue",
            in_currency(fmt.compact(s["revenue"]), s.get("currency")),
            f"{in_currency(fmt.amount(s['revenue']), s.get('currency'))} in all",
        ),
        _card("Orders", fmt.integer(s["n_orders"])),
    ]
    if recent:
        cards.append(
            _card(
                "Recent revenue",
                in_currency(fmt.compact(recent["revenue"]), s.get("currency")),
                f"{recent['period']}, {fmt.integer(recent['n_orders'])} orders",
            )
        )
    cards.append(
        _card("Active", f"{fmt.day(s['first_seen'])} → {fmt.day(s['last_seen'])}", "first and last login")
    )
    shared = "".join(f"<li>{escape(fmt.integer(x['count']))} {escape(x['label'])}</li>" for x in s["shared"])
    notes = "".join(f"<li>{escape(n)}</li>" for n in case["notes"])
    return (
        '<section id="summary"><h2>Summary</h2>'
        f'<div class="cards">{"".join(cards)}</div>'
        f"<h3>Why this network</h3>{_reasons(case['reasons'])}"
        + (f'<h3>Shared inside the network</h3><ul class="chips">{shared}</ul>' if shared else "")
        + (f'<div class="notes"><strong>Limits of this case</strong><ul>{notes}</ul></div>' if notes else "")
        + "</section>"
    )


def _evidence_graph(case: dict[str, Any]) -> str:
    svg, notes = evidence_graph_svg(case)
    caption = (
        "Accounts (circles) joined to the artifacts they share (diamonds, coloured by kind; thicker = stronger "
        "evidence) and to the stores they own (squares, dashed)."
        + "".join(f" {n[0].upper()}{n[1:]}." for n in notes)
    )
    return (
        '<section id="graph"><h2>Evidence graph</h2>'
        + _figure(svg, caption, "No accounts to draw.")
        + "</section>"
    )


def _revenue(case: dict[str, Any]) -> str:
    months = case["revenue_by_month"]
    currencies = {m.get("currency") for m in months} - {None}
    currency = next(iter(currencies)) if len(currencies) == 1 and "mixed" not in currencies else None
    unit = f" ({currency})" if currency else ""
    rows: list[list[Cell]] = [
        [
            m["month"],
            fmt.amount(m["revenue"]) if unit else in_currency(fmt.amount(m["revenue"]), m.get("currency")),
            fmt.integer(m["n_orders"]),
            fmt.integer(m["units"]),
        ]
        for m in months
    ]
    table = (
        _table([("Month", ""), (f"Revenue{unit}", "num"), ("Orders", "num"), ("Units", "num")], rows)
        if rows
        else ""
    )
    chart = _figure(
        revenue_chart(months, currency),
        "Revenue per calendar month (months without orders show as zero).",
        "No revenue by month in the results.",
    )
    return f'<section id="revenue"><h2>Revenue by month</h2>{chart}{table}</section>'


def _address(site: dict[str, Any]) -> Cell:
    """The written address, with its Latin spelling beneath when it is in Chinese characters."""
    address, latin = site["address"], site.get("address_latin")
    if not address:
        return fmt.DASH
    if not latin:
        return address
    return Safe(f'{escape(address)}<br><span class="muted">{escape(latin)}</span>')


def _sites(case: dict[str, Any]) -> str:
    sites = case["sites"]
    if not sites:
        return '<section id="sites"><h2>Sites</h2><p class="muted">No sites traced (see the limits above).</p></section>'
    unmapped = sum(s.get("lat") is None or s.get("lon") is None for s in sites)
    caption = "Sites by rank; circle area grows with the share of the network's parcels." + (
        f" {unmapped} site(s) without coordinates are not on the map." if unmapped else ""
    )
    rows: list[list[Cell]] = [
        [
            fmt.integer(s["rank"]),
            _address(s),
            fmt.integer(s["n_shipments"]),
            fmt.percent(s["share"]),
            fmt.percent(s["exclusivity"]),
            fmt.integer(s["n_stores"]),
            _reasons(s["reasons"]),
        ]
        for s in sites
    ]
    columns = [
        ("Rank", "num"),
        ("Address", ""),
        ("Parcels", "num"),
        ("Share", "num"),
        ("Exclusivity", "num"),
        ("Stores", "num"),
        ("Reasons", ""),
    ]
    return f'<section id="sites"><h2>Sites</h2>{_figure(site_map(sites), caption, "No site has coordinates.")}{_table(columns, rows)}</section>'


def _money(case: dict[str, Any]) -> str:
    money = case["money"]
    if not money:
        return '<section id="money"><h2>Money trail</h2><p class="muted">No money trail traced (see the limits above).</p></section>'
    caption = "Where the network's money goes: each party indented by its hops from the network's accounts; line width is its share of the money traced."
    if len(money) > 12:
        caption += f" The top 12 of {len(money)} parties are drawn; all are in the table."
    rows: list[list[Cell]] = [
        [
            fmt.integer(m["rank"]),
            m["party"],
            m["role"] or fmt.DASH,
            trail.hops(m),
            fmt.amount(m["amount"]),
            fmt.percent(m["share"]),
            fmt.integer(m["n_transfers"]),
            trail.via(m),
            trail.delay(m),
            trail.in_use(m),
            _reasons(m["reasons"]),
        ]
        for m in money
    ]
    columns = [
        ("Rank", "num"),
        ("Party", "id"),
        ("Role", ""),
        ("Hops", "num"),
        ("Amount", "num"),
        ("Share", "num"),
        ("Transfers", "num"),
        ("Via", "id"),
        ("Delay", "num"),
        ("In use (share then)", ""),
        ("Reasons", ""),
    ]
    chain = case.get("money_chain") or []
    lead = f'<p class="chain"><strong>Chain:</strong> {escape(trail.chain_text(chain))}</p>' if chain else ""
    table_caption = (
        "Via: the accounts between the store accounts and the party on the path that brought it the most; "
        "Delay: median days from the store accounts; In use: when it received the network's money."
    )
    return f'<section id="money"><h2>Money trail</h2>{lead}{_figure(money_flow(money, case["network_id"]), caption, "")}{_table(columns, rows, table_caption)}</section>'


def _declarations(case: dict[str, Any]) -> str:
    declarations = case.get("declarations")
    if not declarations:
        return (
            '<section id="declarations"><h2>Export declarations</h2><p class="muted">No export declaration is '
            "tied to this network (see the limits above).</p></section>"
        )
    rows: list[list[Cell]] = [
        [fmt.integer(d["rank"]), d["declaration_id"], fmt.score(d["score"]), _reasons(d["reasons"])]
        for d in declarations
    ]
    columns = [("Rank", "num"), ("Declaration", "id"), ("Score", "num"), ("Reasons", "")]
    caption = "Declarations whose exporter is tied to this network; rank is across all screened declarations."
    return (
        f'<section id="declarations"><h2>Export declarations ({len(rows)})</h2>'
        f"{_table(columns, rows, caption)}</section>"
    )


def _review_rings(case: dict[str, Any]) -> str:
    rings = case.get("review_rings")
    if rings is None:
        return ""
    if not rings:
        return (
            '<section id="review-rings"><h2>Review rings</h2><p class="muted">No review ring\'s members reviewed '
            "this network's stores.</p></section>"
        )
    rows: list[list[Cell]] = [
        [
            r["ring_id"],
            f"{fmt.integer(r['n_reviewers'])} of {fmt.integer(r['ring_reviewers'])}",
            fmt.integer(r["n_reviews"]),
            fmt.integer(r["n_stores"]),
            fmt.percent(r["share_of_ring"])
            + (f" ({r['lift']:,.0f}x its share of all reviews)" if r.get("lift") is not None else ""),
            fmt.percent(r["share_of_network"]),
            f"{fmt.day(r['first_review'])} to {fmt.day(r['last_review'])}",
            (r.get("ring_evidence") or fmt.DASH).replace("_", " "),
        ]
        for r in rings
    ]
    columns = [
        ("Ring", "id"),
        ("Its reviewers here", "num"),
        ("Reviews", "num"),
        ("Stores", "num"),
        ("Of the ring's reviews", "num"),
        ("Of the network's reviews", "num"),
        ("When", ""),
        ("Found as", ""),
    ]
    caption = (
        "Review rings (farms) whose members reviewed this network's stores: a farm working for this network puts "
        "most of its reviews here; a network living on one farm gets much of its reviews from it."
    )
    return f'<section id="review-rings"><h2>Review rings ({len(rows)})</h2>{_table(columns, rows, caption)}</section>'


#: Branded listings shown per store (the cheapest against the brand's reference first); every listing is in the
#: JSON case and the scan's ``network_listings`` table.
LISTING_ROWS_PER_STORE = 10


def _listings(case: dict[str, Any]) -> str:
    listings = case.get("listings")
    if listings is None:
        return ""
    if not listings:
        return (
            '<section id="listings"><h2>Branded listings</h2><p class="muted">The network\'s stores list no '
            "branded goods.</p></section>"
        )
    per_store: dict[str, int] = {}
    rows: list[list[Cell]] = []
    for r in listings:
        per_store[r["store_id"]] = per_store.get(r["store_id"], 0) + 1
        if per_store[r["store_id"]] > LISTING_ROWS_PER_STORE:
            continue
        rows.append(
            [
                r["store_id"],
                r["listing_id"],
                r["brand"],
                r["title"] or fmt.DASH,
                in_currency(fmt.amount(r["price"]), r.get("currency")),
                fmt.amount(r["reference_price"]),
                fmt.percent(r["price_ratio"]),
                "yes" if r["authorized"] else "no",
            ]
        )
    hidden = len(listings) - len(rows)
    caption = "Per store, the cheapest against the brand's reference price first" + (
        f"; {plural(hidden, 'more listing')} (over {LISTING_ROWS_PER_STORE} a store) in the JSON case and "
        "network_listings.parquet."
        if hidden
        else "."
    )
    columns = [
        ("Store", "id"),
        ("Listing", "id"),
        ("Brand", ""),
        ("Title", ""),
        ("Price", "num"),
        ("Reference", "num"),
        ("Of reference", "num"),
        ("Authorised", ""),
    ]
    return (
        f'<section id="listings"><h2>Branded listings ({len(listings)})</h2>'
        f"{_table(columns, rows, caption)}</section>"
    )


def _stores(case: dict[str, Any]) -> str:
    rows: list[list[Cell]] = [
        [
            fmt.integer(s["rank"]),
            s["store_id"],
            s.get("account_id") or fmt.DASH,
            fmt.score(s["score"]),
            _reasons(s["reasons"]),
        ]
        for s in case["stores"]
    ]
    columns = [("Rank", "num"), ("Store", "id"), ("Owner account", "id"), ("Score", "num"), ("Reasons", "")]
    return f'<section id="stores"><h2>Stores ({len(rows)})</h2>{_table(columns, rows, "Rank is the store rank across the whole scan.")}</section>'


def _evidence(case: dict[str, Any]) -> str:
    artifacts: list[list[Cell]] = [
        [
            _kind(a["kind"]),
            a["artifact"],
            fmt.integer(a["n_accounts"]),
            fmt.integer(a["n_sharing"]),
            fmt.score(a["weight"]),
            fmt.day(a["first_seen"]),
            fmt.day(a["last_seen"]),
        ]
        for a in case["artifacts"]
    ]
    art_cols = [
        ("Kind", ""),
        ("Artifact", "id"),
        ("Accounts here", "num"),
        ("Sharers", "num"),
        ("Max weight", "num"),
        ("First seen", ""),
        ("Last seen", ""),
    ]
    return (
        f'<section id="artifacts"><h2>Shared artifacts ({len(artifacts)})</h2>'
        f"{_table(art_cols, artifacts, 'Sharers counts every account of the scan using the artifact, in this network or not.')}</section>"
        + _links_by_kind(case["links"])
    )


#: Link rows shown per evidence kind (a screen's worth, strongest first); every row is in the JSON case and in
#: the scan's ``links`` table, and a note under each kind counts the rows not shown.
LINK_ROWS_PER_KIND = 25

_LINK_COLUMNS = [
    ("Account A", "id"),
    ("Account B", "id"),
    ("Kind", ""),
    ("Artifact", "id"),
    ("Weight", "num"),
    ("Sharers", "num"),
    ("Events", "num"),
    ("First seen", ""),
    ("Last seen", ""),
]


def _links_by_kind(links: list[dict[str, Any]]) -> str:
    """The links grouped by evidence kind, the kind with the strongest link first (open; the others folded),
    each with its counts and its strongest :data:`LINK_ROWS_PER_KIND` rows."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in links:  # the case lists them strongest first
        groups.setdefault(r["kind"], []).append(r)
    kinds = sorted(groups, key=lambda k: (-max(r["weight"] or 0.0 for r in groups[k]), k))
    parts = []
    for i, kind in enumerate(kinds):
        rows = groups[kind]
        shown: list[list[Cell]] = [
            [
                r["account_a"],
                r["account_b"],
                _kind(r["kind"]),
                r["artifact"],
                fmt.score(r["weight"]),
                fmt.integer(r["n_sharing"]),
                fmt.integer(r["n_events"]),
                fmt.day(r["first_seen"]),
                fmt.day(r["last_seen"]),
            ]
            for r in rows[:LINK_ROWS_PER_KIND]
        ]
        hidden = len(rows) - len(shown)
        caption = (
            f"The strongest {len(shown)}; {plural(hidden, 'more row')} in the JSON case and links.parquet."
            if hidden
            else ""
        )
        artifacts = len({r["artifact"] for r in rows})
        parts.append(
            f'<details class="kind"{" open" if i == 0 else ""}><summary>{_kind(kind)}: '
            f"{escape(plural(len(rows), 'link'))} through {escape(plural(artifacts, 'artifact'))}</summary>"
            f"{_table(_LINK_COLUMNS, shown, caption)}</details>"
        )
    return (
        f'<section id="links"><h2>Evidence by kind ({plural(len(links), "link")})</h2>'
        '<p class="caption">One row per account pair and shared artifact, strongest first; events are the two '
        "accounts together.</p>" + "".join(parts) + "</section>"
    )


def _footer(case: dict[str, Any]) -> str:
    scan = case["scan"]
    facts = [
        ("Results", scan["results"]),
        ("Results written", scan["written_at"]),
        ("Engine", scan["engine"]),
        ("marketguard", scan["version"]),
        ("Input", scan["dataset"]),
        ("Scan time", None if scan["seconds"] is None else f"{scan['seconds']:.1f} s"),
        ("Optional inputs missing", ", ".join(scan["missing_optional_tables"]) or None),
    ]
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in facts if v)
    return f"<footer><strong>Scan</strong><dl>{items}</dl><p>Every figure is read from the scan's results; nothing is recomputed.</p></footer>"


def render_html(case: dict[str, Any]) -> str:
    """The case (from :func:`marketguard.report.build_case`) as one self-contained, printable HTML page."""
    title = f"Case {case['network_id']}"
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · marketguard</title><style>{CSS}</style></head><body>"
        f'<header><h1>Case <span class="id">{escape(case["network_id"])}</span></h1>'
        '<div class="subtitle">Operator network: evidence, revenue, sites and money trail</div>'
        f'<p class="verdict {escape(case["verdict"]["level"])}">{escape(case["verdict"]["text"])}</p></header>'
        + _summary(case)
        + _evidence_graph(case)
        + _revenue(case)
        + _sites(case)
        + _money(case)
        + _declarations(case)
        + _review_rings(case)
        + _stores(case)
        + _listings(case)
        + _evidence(case)
        + _footer(case)
        + "</body></html>\n"
    )
