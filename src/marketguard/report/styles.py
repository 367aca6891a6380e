"""The report's stylesheet, inlined into every HTML case so the file stands alone (no fonts or CSS fetched).

System font stacks only; print rules keep figures and table rows whole and drop the page background.
"""

CSS = """
:root { --ink: #1d2430; --muted: #5b6675; --rule: #d9dee5; --zebra: #f5f7fa; --accent: #1f3b57;
  --warn: #8a4b00; --warn-bg: #fff6e5; --bad: #b2182b; }
* { box-sizing: border-box; }
html { background: #eef1f5; }
body { margin: 0 auto; max-width: 1080px; padding: 32px 40px 48px; background: #fff; color: var(--ink);
  font: 14px/1.5 -apple-system, "Segoe UI", "Helvetica Neue", Arial, "Noto Sans", "PingFang SC",
    "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; }
header { border-bottom: 3px solid var(--accent); padding-bottom: 14px; margin-bottom: 22px; }
h1 { font-size: 26px; margin: 0 0 4px; letter-spacing: -0.01em; }
h1 .id { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
h2 { font-size: 18px; margin: 34px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--rule); }
h3 { font-size: 15px; margin: 18px 0 8px; }
.subtitle, .caption, .muted { color: var(--muted); }
details.kind > summary { cursor: pointer; font-weight: 600; margin: 10px 0 4px; }
.verdict { font-weight: 600; padding: 6px 10px; border-left: 4px solid; margin: 8px 0 0; }
.verdict.high { border-color: #d55e00; }
.verdict.low { border-color: #009e73; }
.caption { font-size: 12.5px; margin: 6px 0 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 12px; margin: 8px 0 18px; }
.card { border: 1px solid var(--rule); border-radius: 8px; padding: 10px 14px; background: #fbfcfd; }
.card .value { font-size: 22px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card .name { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; }
.card .detail { color: var(--muted); font-size: 12px; }
.card.score .value { color: var(--bad); }
ul.reasons { margin: 4px 0 12px; padding-left: 20px; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0 12px; padding: 0; list-style: none; }
.chips li { border: 1px solid var(--rule); border-radius: 999px; padding: 2px 10px; font-size: 12.5px; }
.notes { background: var(--warn-bg); border-left: 4px solid var(--warn); padding: 8px 14px; margin: 12px 0;
  font-size: 13px; }
.notes ul { margin: 4px 0; padding-left: 18px; }
figure { margin: 10px 0 6px; break-inside: avoid; page-break-inside: avoid; }
svg.figure { display: block; width: 100%; height: auto; max-width: 100%; }
svg text { font-family: -apple-system, "Segoe UI", "Helvetica Neue", Arial, "PingFang SC", "Microsoft YaHei",
  "Noto Sans CJK SC", sans-serif; fill: var(--ink); }
svg .tick { font-size: 11px; fill: var(--muted); }
svg .value { font-size: 10.5px; fill: var(--ink); }
svg .label { font-size: 10.5px; }
svg .legend { font-size: 11px; }
svg .axis-title { font-size: 11.5px; fill: var(--muted); }
svg .axis { stroke: #8a939f; stroke-width: 1; }
svg .grid { stroke: #e8ecf1; stroke-width: 1; }
svg .bar { fill: var(--accent); }
svg .map { fill: #e9f1f7; stroke: var(--rule); }
svg .land { fill: #f6f3ec; stroke: #a9b4bf; stroke-width: 0.6; fill-rule: evenodd; }
svg .scale { fill: none; stroke: var(--ink); stroke-width: 1.5; }
svg .site { fill-opacity: 0.8; stroke: #fff; stroke-width: 1.5; }
svg .site-rank { font-size: 11px; font-weight: 700; fill: #fff; }
svg .edge { stroke-opacity: 0.55; }
svg .edge-store { stroke-dasharray: 3 3; stroke-width: 1; }
svg .node { stroke: #fff; stroke-width: 1.2; }
svg .flow { fill: none; stroke: #2b8a3e; stroke-opacity: 0.35; }
svg .flow-network { fill: var(--accent); }
svg .flow-network-label { fill: #fff; font-size: 12px; font-weight: 650; }
svg .flow-party { fill: #f3faf5; stroke: #2b8a3e; }
table { width: 100%; border-collapse: collapse; margin: 8px 0 4px; font-size: 12.5px; }
th, td { text-align: left; padding: 5px 8px; vertical-align: top; border-bottom: 1px solid var(--rule); }
th { background: #e9edf2; font-weight: 650; font-size: 12px; white-space: nowrap; }
tbody tr:nth-child(even) { background: var(--zebra); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.id, td.mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; }
td ul { margin: 0; padding-left: 16px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px;
  vertical-align: baseline; }
footer { margin-top: 40px; padding-top: 12px; border-top: 1px solid var(--rule); color: var(--muted);
  font-size: 12px; }
footer dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 6px 0; }
footer dt { font-weight: 650; }
footer dd { margin: 0; overflow-wrap: anywhere; }
@media print {
  html { background: #fff; }
  body { max-width: none; padding: 0; font-size: 11px; }
  h2 { break-after: avoid; page-break-after: avoid; }
  tr, .card { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  .card { background: #fff; }
}
"""
