// The investigator console: the /v1 API in a page. Every value reaches the page as text (textContent, never HTML),
// every request that changes something sends the session's CSRF token back, and nothing loads from elsewhere.
"use strict";

const state = { cursor: null, filters: {}, network: null, graph: null, map: null, world: null, me: null };
const SVG = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);

function csrf() {
  const found = document.cookie.split("; ").find((c) => c.startsWith("mg_csrf="));
  return found ? decodeURIComponent(found.slice("mg_csrf=".length)) : "";
}

async function api(path, options = {}) {
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  const method = options.method || "GET";
  if (method !== "GET") headers["X-CSRF-Token"] = csrf();
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const answer = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const body = answer.headers.get("content-type")?.includes("json") ? await answer.json() : null;
  if (answer.status === 401 && !path.endsWith("/session")) {
    show("sign-in");
    throw new Error("signed out");
  }
  if (!answer.ok) throw new Error(body?.error?.message || `${answer.status}`);
  return body;
}

function show(id) {
  for (const section of ["sign-in", "queue", "network", "search"]) $(section).hidden = section !== id;
  $("nav").hidden = id === "sign-in";
}

function cell(row, text, numeric = false) {
  const td = row.insertCell();
  td.textContent = text ?? "";
  if (numeric) td.className = "num";
  return td;
}

function number(value, digits = 0) {
  return value === null || value === undefined ? "" : Number(value).toLocaleString("en", {
    maximumFractionDigits: digits, minimumFractionDigits: digits,
  });
}

// -- signing in ---------------------------------------------------------------------------------------------
$("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  $("sign-in-error").textContent = "";
  try {
    await api("/v1/session", { method: "POST", body: { name: form.get("name"), password: form.get("password") } });
    event.target.reset();
    await route();
  } catch (error) {
    $("sign-in-error").textContent = error.message;
  }
});

$("sign-out").addEventListener("click", async () => {
  await fetch("/v1/session", { method: "DELETE", credentials: "same-origin", headers: { "X-CSRF-Token": csrf() } });
  show("sign-in");
});

// -- search -------------------------------------------------------------------------------------------------
$("search-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const q = new FormData(event.target).get("q");
  location.hash = `search/${encodeURIComponent(q)}`;
});

async function loadSearch(q) {
  $("search-term").textContent = `“${q}”`;
  const found = await api(`/v1/search?${new URLSearchParams({ q })}`);
  const body = $("search-table").tBodies[0];
  body.replaceChildren();
  for (const hit of found.hits) {
    const row = body.insertRow();
    cell(row, hit.kind);
    cell(row, hit.id);
    const link = document.createElement("a");
    link.textContent = hit.network_id ?? "";
    if (hit.network_id) link.href = `#network/${encodeURIComponent(hit.network_id)}`;
    row.insertCell().append(link);
  }
  if (!found.hits.length) cell(body.insertRow(), "Nothing in the latest scan is named that.");
}

// -- the queue ----------------------------------------------------------------------------------------------
$("filters").addEventListener("submit", (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  state.filters = Object.fromEntries([...form.entries()].filter(([, v]) => v !== ""));
  loadQueue(false);
});
$("more").addEventListener("click", () => loadQueue(true));

async function loadQueue(more) {
  const params = new URLSearchParams({ limit: "50", ...state.filters });
  if (more && state.cursor) params.set("cursor", state.cursor);
  const page = await api(`/v1/queue?${params}`);
  const body = $("queue-table").tBodies[0];
  if (!more) body.replaceChildren();
  for (const c of page.cases) {
    const row = body.insertRow();
    cell(row, c.key);
    const link = document.createElement("a");
    link.textContent = c.network_id ?? `(${c.last_network_id}, ${c.change})`;
    if (c.network_id) link.href = `#network/${encodeURIComponent(c.network_id)}`;
    row.insertCell().append(link);
    cell(row, c.related_case ? `${c.change} (${c.related_case})` : c.change);
    cell(row, number(c.score, 3), true);
    cell(row, number(c.n_stores), true);
    cell(row, c.revenue === null ? "" : `${number(c.revenue)} ${c.currency ?? ""}`, true);
    cell(row, c.reason ? `${c.status}: ${c.reason}` : c.status);
    cell(row, c.assignee);
  }
  state.cursor = page.next;
  $("more").hidden = !page.next;
  $("queue-scan").textContent = page.scan_id ? `scan ${page.scan_id}` : "no scan registered";
}

// -- a network ----------------------------------------------------------------------------------------------
async function loadNetwork(id) {
  const n = await api(`/v1/networks/${encodeURIComponent(id)}`);
  state.network = n;
  $("network-title").textContent = `${n.network_id}${n.case ? ` · case ${n.case.key}` : ""}`;
  const s = n.summary || {};
  $("network-summary").textContent = `score ${number(n.score, 3)} · ${number(s.n_stores)} stores · ` +
    `${number(s.n_accounts)} accounts · revenue ${number(s.revenue)} ${s.currency ?? ""}`;
  $("network-reasons").replaceChildren(...(n.reasons || []).map((r) => {
    const li = document.createElement("li");
    li.textContent = r;
    return li;
  }));
  const stores = $("stores-table").tBodies[0];
  stores.replaceChildren();
  for (const st of n.stores || []) {
    const row = stores.insertRow();
    cell(row, st.store_id);
    cell(row, st.account_id);
    cell(row, number(st.score, 3), true);
    cell(row, (st.reasons || []).join("; "));
  }
  const declarations = n.declarations || [];
  $("declarations-section").hidden = !declarations.length;
  const tied = $("declarations-table").tBodies[0];
  tied.replaceChildren();
  for (const d of declarations) {
    const row = tied.insertRow();
    cell(row, d.declaration_id);
    cell(row, number(d.score, 3), true);
    cell(row, (d.reasons || []).join("; "));
  }
  showEvidence(null);
  drawGraph(n);
  await drawSites(n);
  drawRevenue(n);
  showMoney(n);
  await loadCase();
}

async function world() {
  if (!state.world) {
    const topology = await (await fetch("vendor/world-atlas-2.0.2-countries-50m.json")).json();
    state.world = topojson.feature(topology, topology.objects.countries);
  }
  return state.world;
}

async function drawSites(n) {
  const sites = (n.sites || []).filter((s) => s.lat !== null && s.lon !== null);
  const body = $("sites-table").tBodies[0];
  body.replaceChildren();
  for (const s of n.sites || []) {
    const row = body.insertRow();
    cell(row, s.rank, true);
    cell(row, s.address);
    cell(row, number(s.n_shipments), true);
    cell(row, number(s.share, 2), true);
    cell(row, number(s.exclusivity, 2), true);
  }
  if (state.map) state.map.remove();
  // an offline basemap: Natural Earth's country outlines (world-atlas), no tiles from anywhere
  state.map = L.map("map", { attributionControl: true, zoomSnap: 0.25 }).setView([30, 110], 3);
  state.map.attributionControl.setPrefix(false).addAttribution("Natural Earth");
  L.geoJSON(await world(), {
    interactive: false,
    style: { color: "#8a99a8", weight: 0.6, fillColor: "#f4f1ea", fillOpacity: 1 },
  }).addTo(state.map);
  const markers = sites.map((s) => L.circleMarker([s.lat, s.lon], {
    radius: 5 + 10 * Math.sqrt(s.share ?? 0), color: "#b3261e", weight: 2, fillOpacity: 0.6,
  }).bindTooltip(`#${s.rank} ${s.address ?? ""}: ${number(s.n_shipments)} parcels`).addTo(state.map));
  if (markers.length) state.map.fitBounds(L.featureGroup(markers).getBounds().pad(0.5), { maxZoom: 12 });
}

function drawRevenue(n) {
  const chart = $("revenue-chart");
  chart.replaceChildren();
  const months = n.revenue_by_month || [];
  const width = Number(chart.getAttribute("width")), height = Number(chart.getAttribute("height"));
  const top = Math.max(1, ...months.map((m) => m.revenue || 0));
  const step = months.length ? (width - 20) / months.length : 0;
  months.forEach((m, i) => {
    const h = ((m.revenue || 0) / top) * (height - 30);
    const bar = document.createElementNS(SVG, "rect");
    bar.setAttribute("x", String(10 + i * step));
    bar.setAttribute("y", String(height - 18 - h));
    bar.setAttribute("width", String(Math.max(1, step - 3)));
    bar.setAttribute("height", String(h));
    const title = document.createElementNS(SVG, "title");
    title.textContent = `${m.month}: ${number(m.revenue)} ${m.currency ?? ""} from ${number(m.n_orders)} orders`;
    bar.append(title);
    chart.append(bar);
    if (i % Math.ceil(months.length / 8 || 1) === 0) {
      const label = document.createElementNS(SVG, "text");
      label.setAttribute("x", String(10 + i * step));
      label.setAttribute("y", String(height - 5));
      label.textContent = m.month;
      chart.append(label);
    }
  });
}

function showMoney(n) {
  $("money-chain").replaceChildren(...(n.money_chain || []).map((step) => {
    const li = document.createElement("li");
    const amount = step.amount === null || step.amount === undefined ? "" : `: ${number(step.amount)}`;
    li.textContent = `${step.role}${step.party ? ` ${step.party}` : ""}${amount}`;
    return li;
  }));
  const body = $("money-table").tBodies[0];
  body.replaceChildren();
  for (const m of n.money || []) {
    const row = body.insertRow();
    cell(row, m.party);
    cell(row, m.role);
    cell(row, number(m.hops), true);
    cell(row, number(m.amount), true);
    cell(row, `${(m.first_seen || "").slice(0, 10)} – ${(m.last_seen || "").slice(0, 10)}`);
  }
}

$("note-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const n = state.network;
  if (!n?.case) return;
  try {
    await api(`/v1/cases/${encodeURIComponent(n.case.key)}/notes`, {
      method: "POST", body: { text: new FormData(event.target).get("text") },
    });
    event.target.reset();
  } catch (error) {
    $("decision-error").textContent = error.message;
  }
  await loadCase();
});

$("show-artifacts").addEventListener("change", () => {
  if (state.network) drawGraph(state.network);
});

$("assign-me").addEventListener("click", async () => {
  const n = state.network;
  if (!n?.case || !state.me) return;
  try {
    await api(`/v1/cases/${encodeURIComponent(n.case.key)}/assignee`, {
      method: "POST", body: { assignee: state.me.name, version: n.case.version },
    });
  } catch (error) {
    $("decision-error").textContent = error.message;
  }
  await loadCase();
});

function pairsOf(n) {
  const pairs = new Map();
  for (const link of n.links || []) {
    const key = `${link.account_a}\u0000${link.account_b}`;
    if (!pairs.has(key)) pairs.set(key, { a: link.account_a, b: link.account_b, rows: [], strength: link.pair_strength });
    pairs.get(key).rows.push(link);
  }
  return [...pairs.values()];
}

function drawGraph(n) {
  const pairs = pairsOf(n);
  const elements = [];
  for (const account of n.accounts || []) {
    elements.push({ data: { id: `a:${account.account_id}`, label: account.account_id, kind: "account" } });
  }
  for (const store of n.stores || []) {
    elements.push({ data: { id: `s:${store.store_id}`, label: store.store_id, kind: "store" } });
    elements.push({ data: { id: `o:${store.store_id}`, source: `a:${store.account_id}`, target: `s:${store.store_id}`, kind: "owns" } });
  }
  pairs.forEach((pair, i) => {
    const kinds = [...new Set(pair.rows.map((r) => r.kind))].join(", ");
    elements.push({ data: { id: `l:${i}`, source: `a:${pair.a}`, target: `a:${pair.b}`, kind: "link", label: kinds, pair: i } });
  });
  const artifacts = $("show-artifacts").checked ? n.artifacts || [] : [];
  artifacts.forEach((art, i) => {
    // used by accounts outside the network too (a café's router, a shared warehouse): drawn apart, outermost
    const outside = (art.n_accounts ?? 0) > (art.accounts || []).length;
    elements.push({ data: { id: `x:${i}`, label: art.kind, kind: outside ? "outside" : "artifact", title: art.key } });
    for (const account of art.accounts || []) {
      elements.push({ data: { id: `u:${i}:${account}`, source: `a:${account}`, target: `x:${i}`, kind: "uses" } });
    }
  });
  const ring = { account: 4, store: 3, artifact: 2, outside: 1 };
  const known = new Set(elements.filter((e) => !e.data.source).map((e) => e.data.id));
  const drawable = elements.filter((e) => !e.data.source || (known.has(e.data.source) && known.has(e.data.target)));
  if (state.graph) state.graph.destroy();
  state.graph = cytoscape({
    container: $("graph"),
    elements: drawable,
    layout: artifacts.length
      ? { name: "concentric", animate: false, concentric: (node) => ring[node.data("kind")], levelWidth: () => 1, minNodeSpacing: 18 }
      : { name: "cose", animate: false, randomize: false, nodeRepulsion: () => 2000000, idealEdgeLength: () => 120, gravity: 0.25, nodeOverlap: 40 },
    style: [
      { selector: "node", style: { label: "data(label)", "font-size": 9, "text-valign": "bottom", width: 14, height: 14 } },
      { selector: "node[kind = 'account']", style: { "background-color": "#1f6feb" } },
      { selector: "node[kind = 'store']", style: { "background-color": "#d97706", shape: "round-rectangle" } },
      { selector: "edge", style: { width: 2, "line-color": "#9aa5b1", "curve-style": "bezier" } },
      // the kinds of a link are in the list beside the graph and in its evidence: labels on edges only overlap
      { selector: "edge[kind = 'link']", style: { width: 4, "line-color": "#b3261e" } },
      { selector: "edge[kind = 'owns']", style: { "line-style": "dashed" } },
      { selector: "node[kind = 'artifact']", style: { "background-color": "#5f6b7a", shape: "diamond", width: 10, height: 10, "font-size": 7 } },
      { selector: "node[kind = 'outside']", style: { "background-color": "#fff", "border-width": 2, "border-color": "#9aa5b1", "border-style": "dashed", shape: "diamond", width: 10, height: 10, "font-size": 7 } },
      { selector: "edge[kind = 'uses']", style: { width: 1, "line-color": "#c5ccd3" } },
    ],
  });
  state.graph.on("tap", "edge[kind = 'link']", (event) => showEvidence(pairs[event.target.data("pair")]));
  window.marketguard = { graph: state.graph };  // the drawn graph, for the browser tests to find a link
  $("links-list").replaceChildren(...pairs.map((pair) => {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    const kinds = [...new Set(pair.rows.map((r) => r.kind))].join(", ");
    button.textContent = `${pair.a} – ${pair.b}: ${kinds} (strength ${number(pair.strength, 2)})`;
    button.addEventListener("click", () => showEvidence(pair));
    li.append(button);
    return li;
  }));
}

function showEvidence(pair) {
  const table = $("evidence-table");
  const body = table.tBodies[0];
  body.replaceChildren();
  table.hidden = !pair;
  $("evidence-hint").textContent = pair
    ? `${pair.a} and ${pair.b}: ${pair.rows.length} evidence rows, pair strength ${number(pair.strength, 3)}`
    : "Choose a link (in the graph or the list) to see its evidence rows.";
  for (const r of pair ? pair.rows : []) {
    const row = body.insertRow();
    cell(row, r.kind);
    cell(row, r.artifact);
    cell(row, number(r.weight, 3), true);
    cell(row, number(r.n_sharing), true);
    cell(row, number(r.n_events), true);
    cell(row, r.first_seen);
    cell(row, r.last_seen);
  }
}

// what each role may do here (the server checks it again: this only hides what would be refused)
const MAY_DECIDE = new Set(["admin", "investigator"]);
const MAY_NOTE = new Set(["admin", "investigator", "customs"]);

async function loadCase() {
  const n = state.network;
  const notes = $("notes");
  notes.replaceChildren();
  $("history").replaceChildren();
  $("decision-error").textContent = "";
  const role = state.me?.role;
  $("decision-form").hidden = $("assign-me").hidden = !MAY_DECIDE.has(role);
  $("note-form").hidden = !MAY_NOTE.has(role);
  if (!n.case) {
    $("case-state").textContent = "No case follows this network.";
    return;
  }
  const c = await api(`/v1/cases/${encodeURIComponent(n.case.key)}`);
  n.case.version = c.version;
  for (const h of c.history || []) {
    const li = document.createElement("li");
    const figures = h.score === null || h.score === undefined ? "" : `, score ${number(h.score, 3)}, ${number(h.n_stores)} stores`;
    li.textContent = `scan ${h.scan_id}: ${h.network_id ?? "no network"} (${h.change}${h.related_case ? ` ${h.related_case}` : ""})${figures}`;
    $("history").append(li);
  }
  $("case-state").textContent = `Case ${c.key}: ${c.status}${c.reason ? ` (${c.reason})` : ""}` +
    `${c.assignee ? `, assigned to ${c.assignee}` : ""} · version ${c.version}`;
  for (const note of c.notes || []) {
    const li = document.createElement("li");
    li.textContent = `${note.author}, ${note.created_at}: ${note.text}`;
    notes.append(li);
  }
}

$("decision-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const n = state.network;
  if (!n?.case) return;
  const form = new FormData(event.target);
  const body = { status: form.get("status"), version: n.case.version };
  if (form.get("reason")) body.reason = form.get("reason");
  if (form.get("note")) body.note = form.get("note");
  try {
    await api(`/v1/cases/${encodeURIComponent(n.case.key)}/decisions`, { method: "POST", body });
    event.target.reset();
    $("status").textContent = `Decision recorded on case ${n.case.key}.`;
    await loadCase();
  } catch (error) {
    $("decision-error").textContent = error.message;
    await loadCase();
  }
});

// -- routing ------------------------------------------------------------------------------------------------
async function route() {
  if (!csrf()) {  // never signed in here (or signed out): no need to ask the server
    show("sign-in");
    return;
  }
  let me;
  try {
    me = await api("/v1/me");
  } catch {
    show("sign-in");
    return;
  }
  state.me = me;
  $("who").textContent = `${me.name} (${me.role})`;
  const [view, id] = location.hash.slice(1).split("/");
  try {
    if (view === "network" && id) {
      show("network");
      await loadNetwork(decodeURIComponent(id));
    } else if (view === "search" && id) {
      show("search");
      await loadSearch(decodeURIComponent(id));
    } else {
      show("queue");
      await loadQueue(false);
    }
  } catch (error) {
    if (error.message !== "signed out") $("status").textContent = error.message;
  }
}

window.addEventListener("hashchange", route);
route();
