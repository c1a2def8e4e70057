// The scoreboard's pages: the projector's (index.html) and the
// facilitator's (facilitator.html). Both take a full state on connecting,
// then an update for each stored minute, over server-sent events; the
// facilitator's reads the live state too, with the control token. No asset
// comes from the internet.
"use strict";

const facilitator = document.body.dataset.view === "facilitator";
// Eight colours told apart by most colour-blind viewers (Okabe and Ito's,
// lightened for a dark background); lines are told apart by their direct
// labels too, and the top teams are drawn thicker.
const palette = ["#56b4e9", "#e69f00", "#009e73", "#f0e442", "#cc79a7", "#d55e00", "#9ad0f5", "#ffffff"];
const labelled = 5; // the top teams named at the end of their lines
const view = { teams: [], scores: {}, minutes: 0, length: 0, chart: null, updates: 0, chaos: new Set(), events: [], standings: [], room: null, live: null };

function colour(name) { return palette[view.teams.indexOf(name) % palette.length]; }


// compact writes a score with its sign and magnitude in at most 6
// characters: -2.0M, 950k, -12k, 840.
function compact(n) {
  const a = Math.abs(n), sign = n < 0 ? "-" : "";
  if (a >= 1e6) return sign + (a / 1e6).toFixed(a >= 1e7 ? 0 : 1) + "M";
  if (a >= 1e4) return sign + Math.round(a / 1e3) + "k";
  if (a >= 1e3) return sign + (a / 1e3).toFixed(1) + "k";
  return sign + Math.round(a);
}

function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}

// shown is the state the page draws: the live one on the facilitator's
// page once the token is given, else the room's.
function shown() { return view.live || view.room; }

function renderStandings() {
  const s = shown();
  const standings = s.standings;
  const body = $("standings").tBodies[0];
  body.replaceChildren();
  const top = new Set(standings.slice(0, labelled).map((x) => x.name));
  for (const st of standings) {
    const tr = document.createElement("tr");
    tr.dataset.team = st.name;
    if (top.has(st.name) && !s.hidden) tr.className = "top";
    cell(tr, s.hidden ? "" : st.rank);
    const name = cell(tr, "", "name");
    const sw = document.createElement("span");
    sw.className = "swatch";
    sw.style.background = colour(st.name);
    sw.setAttribute("aria-hidden", "true");
    name.append(sw, st.name);
    // The facilitator sees each team's quests on its name: how many are
    // done, or why they cannot be checked.
    name.title = st.endpoint + (st.quest_note ? "\n" + st.quest_note : "");
    if (s.hidden) {
      for (let i = 0; i < (facilitator ? 7 : 6); i++) cell(tr, "", "num");
      body.appendChild(tr);
      continue;
    }
    cell(tr, fmt(st.score), "num score");
    if (facilitator) cell(tr, st.awards ? fmt(st.awards) : "", "num");
    cell(tr, fmt(st.per_second, 1), "num");
    cell(tr, st.p99_ms >= 1000 ? fmt(st.p99_ms / 1000, 1) + " s" : fmt(st.p99_ms) + " ms", "num");
    cell(tr, fmt(st.error_rate * 100, 1) + "%", st.error_rate >= 0.1 ? "num bad" : "num");
    cell(tr, st.hit_ratio < 0 ? "–" : fmt(st.hit_ratio * 100) + "%", "num");
    const bill = cell(tr, "$" + fmt(st.cost_per_hour, 3) + (st.bill_note ? " ⚠" : ""), st.bill_note ? "num bad" : "num");
    if (st.bill || st.bill_note) {
      // The live bill's items, read from the team's account.
      bill.title = (st.bill || []).join("\n") + (st.bill_at ? "\nread at " + st.bill_at : "") + (st.bill_note ? "\n" + st.bill_note : "");
    }
    body.appendChild(tr);
  }
  fitStandings();
  summarise();
}

// fitStandings sizes the rows so that every team fits the screen; below
// the smallest readable size, the rows that do not fit are summarised in
// a line under the table rather than cut.
function fitStandings() {
  const table = $("standings"), more = $("more-teams"), body = table.tBodies[0], rows = [...body.rows];
  more.hidden = true;
  for (const r of rows) r.hidden = false;
  if (!rows.length) return;
  const room = window.innerHeight - body.getBoundingClientRect().top - 12;
  const overflows = () => $("board").getBoundingClientRect().bottom > window.innerHeight || document.documentElement.scrollHeight > window.innerHeight;
  let size = Math.max(14, Math.min(24, Math.floor(room / rows.length / 1.6)));
  for (; ; size--) {
    table.style.setProperty("--row-font", size + "px");
    if (body.getBoundingClientRect().height <= room || size <= 14) break;
  }
  // The facilitator's page scrolls; the projector's must fit.
  if (facilitator || !overflows()) return;
  // Hide rows from the bottom, naming them in the summary, until the page
  // fits the screen.
  for (let fit = rows.length - 1; fit >= 1; fit--) {
    const rest = rows.slice(fit);
    for (const r of rest) r.hidden = true;
    more.textContent = "and " + rest.length + " more: " + rest.map((r) => r.cells[0].textContent + ". " + r.dataset.team).join(", ");
    more.hidden = false;
    if (!overflows()) return;
  }
}

// summarise writes the chart's text alternative: the leaders and the
// spread, for a screen reader and for anyone who cannot tell the lines
// apart.
function summarise() {
  const s = shown();
  const st = s.standings;
  let text = st.length + " teams, minute " + view.minutes + ". ";
  if (s.hidden) text += "The scores are hidden.";
  else if (st.length) text += "Leading: " + st.slice(0, 3).map((x) => x.name + " " + compact(x.score)).join(", ") + "; last: " + st[st.length - 1].name + " " + compact(st[st.length - 1].score) + ".";
  $("chart-summary").textContent = text;
}

function renderClock(u) {
  const st = $("state");
  st.textContent = u.state;
  st.className = "state " + u.state;
  $("game-time").textContent = u.game_time;
  $("phase").textContent = u.phase;
  if (u.length) view.length = u.length;
  $("minutes").textContent = "minute " + view.minutes + " of " + (view.length || "?");
}

function renderRoomNote() {
  const r = view.room, note = $("room-note");
  const parts = [];
  if (r && r.frozen_at != null) parts.push("the standings are frozen at minute " + r.frozen_at + ": the reveal shows the rest");
  if (r && r.hidden) parts.push("the scores are hidden for now");
  note.textContent = (facilitator && parts.length ? "the room sees: " : "") + parts.join("; ");
  note.hidden = parts.length === 0;
}

// isChaosStart: an experiment the board started, or chaos the facilitator
// announced; the chart marks its minute.
function isChaosStart(e) { return e.kind === "chaos" && (!e.chaos || e.chaos === "started"); }

// eventText names the team an event concerns when its text does not.
function eventText(e) { return e.team && !e.text.startsWith(e.team) ? e.team + ": " + e.text : e.text; }

function renderEvents() {
  const list = $("events");
  const items = [...view.events].sort((a, b) => b.minute - a.minute || b.seq - a.seq).slice(0, 40);
  list.replaceChildren(...items.map((e) => eventItem(e, eventText(e))));
}

function addEvents(events) {
  let marked = false;
  for (const e of events || []) {
    if (view.events.some((x) => x.seq === e.seq)) continue;
    view.events.push(e);
    if (isChaosStart(e) && !view.chaos.has(e.minute)) { view.chaos.add(e.minute); marked = true; }
  }
  renderEvents();
  if (marked && view.chart) { view.chart.redraw(); chartUpdated(); }
}

function chartData() {
  const s = shown();
  const n = Math.max(0, ...view.teams.map((t) => (s.scores[t] || []).length));
  const xs = Array.from({ length: n }, (_, i) => i + 1);
  return [xs, ...view.teams.map((t) => s.scores[t] || [])];
}

function drawChart() {
  const el = $("chart");
  if (view.chart) view.chart.destroy();
  const axis = { stroke: "#b1bac4", grid: { stroke: "#30363d" }, ticks: { stroke: "#30363d" }, font: "16px system-ui" };
  const top = new Set(shown().standings.slice(0, labelled).map((x) => x.name));
  view.chart = new uPlot({
    width: el.clientWidth || 600,
    height: Math.max(220, Math.round(window.innerHeight * 0.4)),
    padding: [8, 110, 0, 0], // room for the direct labels
    scales: { x: { time: false } },
    axes: [{ ...axis, label: "game minute" }, { ...axis, size: 72, values: (u, vals) => {
      const out = vals.map(compact);
      el.dataset.yLabels = out.join(" "); // for the tests: what the axis reads
      return out;
    } }],
    series: [{ label: "minute" }, ...view.teams.map((t) => ({ label: t, stroke: colour(t), width: top.has(t) ? 4 : 1.5, alpha: top.has(t) ? 1 : 0.55 }))],
    legend: { show: false },
    hooks: { draw: [drawChaos, drawLabels] },
  }, chartData(), el);
  chartUpdated();
}

// drawChaos draws a dashed red line at each minute an experiment started,
// so the curves can be read against it.
function drawChaos(u) {
  const ctx = u.ctx;
  ctx.save();
  ctx.strokeStyle = "#f85149";
  ctx.lineWidth = 2;
  ctx.setLineDash([8, 6]);
  for (const m of view.chaos) {
    const x = u.valToPos(m + 1, "x", true);
    ctx.beginPath();
    ctx.moveTo(x, u.bbox.top);
    ctx.lineTo(x, u.bbox.top + u.bbox.height);
    ctx.stroke();
  }
  ctx.restore();
}

// drawLabels names the top teams at the end of their lines, nudged apart
// so that no two overlap.
function drawLabels(u) {
  const s = shown();
  if (s.hidden) return;
  const ctx = u.ctx, px = devicePixelRatio || 1;
  const labels = [];
  for (const st of s.standings.slice(0, labelled)) {
    const i = view.teams.indexOf(st.name) + 1, data = u.data[i];
    if (!data || !data.length) continue;
    labels.push({ name: st.name, colour: colour(st.name), x: u.valToPos(data.length, "x", true), y: u.valToPos(data[data.length - 1], "y", true) });
  }
  labels.sort((a, b) => a.y - b.y);
  const gap = 18 * px;
  for (let i = 1; i < labels.length; i++) labels[i].y = Math.max(labels[i].y, labels[i - 1].y + gap);
  ctx.save();
  ctx.font = `${14 * px}px system-ui`;
  ctx.textBaseline = "middle";
  for (const l of labels) {
    ctx.fillStyle = l.colour;
    ctx.fillText(l.name, l.x + 6 * px, l.y);
  }
  ctx.restore();
}

function chartUpdated() {
  const el = $("chart");
  el.dataset.updates = ++view.updates;
  el.dataset.points = chartData()[0].length;
  el.dataset.chaos = [...view.chaos].sort((a, b) => a - b).join(",");
}

function onState(s) {
  view.room = s;
  view.teams = Object.keys(s.scores).length ? Object.keys(s.scores).sort() : s.standings.map((x) => x.name).sort();
  view.minutes = s.minutes;
  view.length = s.length;
  renderClock(s);
  renderRoomNote();
  view.events = [];
  view.chaos = new Set();
  addEvents(s.events);
  if (facilitator) {
    const team = $("team"), chosen = team.value;
    team.replaceChildren(...view.teams.map((t) => new Option(t, t)));
    if (chosen) team.value = chosen;
  }
  renderStandings();
  drawChart();
}

function onMinute(u) {
  const r = view.room;
  for (const t of view.teams) {
    const scores = r.scores[t] || (r.scores[t] = []);
    scores[u.minute] = u.scores[t];
  }
  r.standings = u.standings;
  view.minutes = u.minute + 1;
  renderClock(u);
  addEvents(u.events);
  if (!view.live) {
    renderStandings();
    view.chart.setData(chartData());
    chartUpdated();
  }
}

function connect() {
  const es = new EventSource("api/stream");
  es.addEventListener("state", (m) => onState(JSON.parse(m.data)));
  es.addEventListener("minute", (m) => onMinute(JSON.parse(m.data)));
  es.addEventListener("event", (m) => addEvents([JSON.parse(m.data)]));
  es.onerror = () => { $("state").textContent = "reconnecting"; $("state").className = "state"; };
}

// The facilitator's controls: every change needs the token.
const calls = {
  move: () => ["api/teams/" + encodeURIComponent($("team").value), { endpoint: $("endpoint").value.trim() }],
  cost: () => ["api/teams/" + encodeURIComponent($("team").value), { cost: $("cost").value.trim() }],
  award: () => ["api/award", { team: $("team").value, points: Number($("points").value), reason: $("reason").value.trim() }],
  chaos: () => ["api/events", { kind: "chaos", team: $("team").value, text: $("note").value.trim() }],
  note: () => ["api/events", { kind: "note", text: $("note").value.trim() }],
};

async function control(action) {
  sessionStorage.setItem("gameday-token", $("token").value.trim());
  const [path, body] = calls[action] ? calls[action]() : ["api/" + action, null];
  try {
    const live = await signedFetch($("token").value.trim(), "POST", path, body ? JSON.stringify(body) : null);
    $("control-result").textContent = action + ": done";
    showLive(live);
  } catch (e) {
    $("control-result").textContent = action + ": " + e.message;
  }
}

// showLive draws the facilitator's live state: the real standings, even
// while the room's are frozen or hidden.
function showLive(live) {
  view.live = live;
  // The quests: how many teams the board can check, and how many it
  // cannot (each team's line is on its name).
  const unchecked = (live.standings || []).filter((s) => (s.quest_note || "").startsWith("quests cannot be checked")).length;
  const quests = unchecked ? "; quests cannot be checked for " + unchecked + " of " + (live.standings || []).length + " teams (not billed live: hover a name)" : "";
  $("live-note").textContent = "live standings, read at game time " + live.game_time + quests;
  if (!view.room || !view.chart) return; // drawn with the room's first state
  renderStandings();
  view.chart.setData(chartData());
  chartUpdated();
}

async function pollLive() {
  if (!$("token").value.trim() || !window.isSecureContext) return;
  try { showLive(await signedFetch($("token").value.trim(), "GET", "api/live", null)); } catch (e) { $("live-note").textContent = e.message; }
}

// listing shows the workers, or each team's link for the handout.
function listing(title, lines) {
  $("listing-title").textContent = title;
  $("listing-items").replaceChildren(...lines.map((l) => { const li = document.createElement("li"); li.textContent = l; return li; }));
  $("listing").hidden = false;
}

// saveDebrief saves the chosen team's debrief so far, the printable page
// gameday debrief writes, as a file of its own.
async function saveDebrief() {
  const team = $("team").value;
  try {
    const d = await signedFetch($("token").value.trim(), "GET", "api/debrief/" + encodeURIComponent(team) + "?format=html", null);
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([d.html], { type: "text/html" }));
    a.download = team + "-debrief.html";
    a.click();
    URL.revokeObjectURL(a.href);
    $("control-result").textContent = "debrief of " + team + " saved as " + a.download;
  } catch (e) {
    $("control-result").textContent = "debrief: " + e.message;
  }
}

async function showWorkers() {
  try {
    const ws = await signedFetch($("token").value.trim(), "GET", "api/workers", null);
    listing(ws.length + " workers", ws.map((w) => w.worker + ": heard " + w.heard + " ago, " + w.teams.length + " teams: " + w.teams.join(" ")));
  } catch (e) {
    $("control-result").textContent = "workers: " + e.message;
  }
}

// teamToken is a team's token, made from the control token as the board
// and gameday ctl teams make it: HMAC-SHA256 of "gameday/team/" and the
// team's name, its first 32 hex digits.
async function teamToken(control, team) {
  const key = await crypto.subtle.importKey("raw", enc.encode(control), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return hex(new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode("gameday/team/" + team)))).slice(0, 32);
}

async function showLinks() {
  const control = $("token").value.trim();
  if (!control || !window.isSecureContext) { $("control-result").textContent = "team links: give the control token (on HTTPS or localhost) first"; return; }
  const lines = [];
  for (const t of view.teams) lines.push(t + ": " + new URL("team#" + t + ":" + await teamToken(control, t), location.href).href);
  listing("each team's page, for the handout", lines);
}

if (facilitator) {
  $("token").value = sessionStorage.getItem("gameday-token") || "";
  $("token").addEventListener("change", pollLive);
  $("controls").addEventListener("submit", (ev) => ev.preventDefault()); // Enter reads the live state, never reloads
  for (const b of document.querySelectorAll("#controls button[data-action]")) b.addEventListener("click", () => control(b.dataset.action));
  $("show-workers").addEventListener("click", showWorkers);
  $("debrief").addEventListener("click", saveDebrief);
  $("show-links").addEventListener("click", showLinks);
  setInterval(pollLive, 5000);
}
window.addEventListener("resize", () => { if (view.chart) { renderStandings(); drawChart(); } });
connect();
if (facilitator) pollLive();
