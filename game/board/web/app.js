// The scoreboard page: a full state on connecting, then an update for each
// stored minute, over server-sent events. No assets come from the internet.
"use strict";

const palette = ["#58a6ff", "#3fb950", "#ff7b72", "#d2a8ff", "#ffa657", "#79c0ff", "#f778ba", "#a5d6ff", "#7ee787", "#e3b341",
  "#ffdcd7", "#56d4dd", "#bc8cff", "#ff9bce", "#b1bac4", "#ffa198", "#aff5b4", "#cae8ff", "#f2cc60", "#e2c5ff"];
const view = { teams: [], scores: {}, minutes: 0, chart: null, updates: 0, chaos: new Set() };
const $ = (id) => document.getElementById(id);

function colour(name) { return palette[view.teams.indexOf(name) % palette.length]; }

function fmt(n, digits = 0) { return Number(n).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }); }

function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
  return td;
}

function renderStandings(standings) {
  const body = $("standings").tBodies[0];
  body.replaceChildren();
  for (const s of standings) {
    const tr = document.createElement("tr");
    tr.dataset.team = s.name;
    cell(tr, s.rank);
    const name = cell(tr, "");
    const sw = document.createElement("span");
    sw.className = "swatch";
    sw.style.background = colour(s.name);
    name.append(sw, s.name);
    name.title = s.endpoint;
    cell(tr, fmt(s.score), "num score");
    cell(tr, fmt(s.per_second, 1), "num");
    cell(tr, s.p99_ms >= 1000 ? fmt(s.p99_ms / 1000, 1) + " s" : fmt(s.p99_ms) + " ms", "num");
    cell(tr, fmt(s.error_rate * 100, 1) + "%", s.error_rate >= 0.1 ? "num bad" : "num");
    cell(tr, s.hit_ratio < 0 ? "–" : fmt(s.hit_ratio * 100) + "%", "num");
    const bill = cell(tr, "$" + fmt(s.cost_per_hour, 3) + (s.bill_note ? " ⚠" : ""), s.bill_note ? "num bad" : "num");
    if (s.bill || s.bill_note) {
      // The live bill's items, read from the team's account.
      bill.title = (s.bill || []).join("\n") + (s.bill_at ? "\nread at " + s.bill_at : "") + (s.bill_note ? "\n" + s.bill_note : "");
    }
    body.appendChild(tr);
  }
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

// isChaos: an experiment started, ended or failed in a team's account, or
// the script's strike: the chart marks its minute.
function isChaos(e) {
  return e.kind === "chaos" || (e.kind === "script" && e.text.includes("Chaos Monkey"));
}

function addEvent(e, prepend = true) {
  if (isChaos(e) && !view.chaos.has(e.minute)) {
    view.chaos.add(e.minute);
    if (view.chart) { view.chart.redraw(); chartUpdated(); }
  }
  const li = document.createElement("li");
  const when = document.createElement("span");
  when.className = "when";
  when.textContent = "min " + e.minute;
  const text = document.createElement("span");
  text.className = e.kind;
  text.textContent = e.text;
  li.append(when, text);
  const list = $("events");
  if (prepend) list.prepend(li); else list.append(li);
  while (list.children.length > 30) list.lastChild.remove();
}

function chartData() {
  const xs = Array.from({ length: view.minutes }, (_, i) => i + 1);
  return [xs, ...view.teams.map((t) => view.scores[t] || [])];
}

function drawChart() {
  const el = $("chart");
  if (view.chart) view.chart.destroy();
  const axis = { stroke: "#9aa4b2", grid: { stroke: "#30363d" }, ticks: { stroke: "#30363d" }, font: "16px system-ui" };
  view.chart = new uPlot({
    width: el.clientWidth || 600,
    height: Math.max(260, Math.round(window.innerHeight * 0.38)),
    scales: { x: { time: false } },
    axes: [{ ...axis, label: "game minute" }, { ...axis, size: 80 }],
    series: [{ label: "minute" }, ...view.teams.map((t) => ({ label: t, stroke: colour(t), width: 3 }))],
    legend: { show: false },
    // A dashed red line at each minute chaos hit, so the curves can be
    // read against it.
    hooks: { draw: [(u) => {
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
    }] },
  }, chartData(), el);
  chartUpdated();
}

function chartUpdated() {
  const el = $("chart");
  el.dataset.updates = ++view.updates;
  el.dataset.points = view.minutes;
  el.dataset.chaos = [...view.chaos].sort((a, b) => a - b).join(",");
}

function onState(s) {
  view.teams = Object.keys(s.scores).sort();
  view.scores = s.scores;
  view.minutes = s.minutes;
  view.length = s.length;
  renderClock(s);
  renderStandings(s.standings);
  $("events").replaceChildren();
  view.chaos = new Set();
  for (const e of s.events || []) addEvent(e);
  const team = $("team");
  team.replaceChildren(...view.teams.map((t) => new Option(t, t)));
  drawChart();
}

function onMinute(u) {
  for (const t of view.teams) {
    const scores = view.scores[t] || (view.scores[t] = []);
    scores[u.minute] = u.scores[t];
  }
  view.minutes = u.minute + 1;
  renderClock(u);
  renderStandings(u.standings);
  for (const e of u.events || []) addEvent(e);
  view.chart.setData(chartData());
  chartUpdated();
}

function connect() {
  const es = new EventSource("api/stream");
  es.addEventListener("state", (m) => onState(JSON.parse(m.data)));
  es.addEventListener("minute", (m) => onMinute(JSON.parse(m.data)));
  es.addEventListener("event", (m) => addEvent(JSON.parse(m.data)));
  es.onerror = () => { $("state").textContent = "reconnecting"; $("state").className = "state"; };
}

// Calls are signed with a key made from the token (Ed25519, as gameday ctl
// does): the token never leaves the page. WebCrypto works only in a
// secure context: the facilitator stack's HTTPS page, or localhost.
const enc = new TextEncoder();
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const b64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
// PKCS #8 wrapping of an Ed25519 seed (RFC 8410, section 7).
const pkcs8Prefix = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];

async function signature(token, method, path, body) {
  const seed = new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode("gameday/v1/" + token)));
  const key = await crypto.subtle.importKey("pkcs8", new Uint8Array([...pkcs8Prefix, ...seed]), { name: "Ed25519" }, false, ["sign"]);
  const at = Math.floor(Date.now() / 1000);
  const nonce = hex(crypto.getRandomValues(new Uint8Array(16)));
  const bodyHash = hex(new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(body || ""))));
  const text = [method, path, at, nonce, bodyHash].join("\n");
  const sig = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key, enc.encode(text)));
  return "GameDay-Ed25519 t=" + at + ",n=" + nonce + ",s=" + b64url(sig);
}

// The facilitator's controls: every change needs the token.
async function control(action) {
  const token = $("token").value.trim();
  sessionStorage.setItem("gameday-token", token);
  let path = "api/" + action, body = null;
  if (action === "move") {
    path = "api/teams/" + encodeURIComponent($("team").value);
    body = JSON.stringify({ endpoint: $("endpoint").value.trim() });
  } else if (action === "chaos") {
    path = "api/events";
    body = JSON.stringify({ kind: "chaos", team: $("team").value, text: $("note").value.trim() });
  }
  if (!window.isSecureContext || !crypto.subtle) {
    $("control-result").textContent = "the controls sign with the token and need HTTPS or localhost: open the facilitator stack's https:// page, or use gameday ctl";
    return;
  }
  const url = new URL(path, location.href);
  let auth;
  try {
    auth = await signature(token, "POST", url.pathname + url.search, body);
  } catch (e) {
    $("control-result").textContent = "this browser cannot sign (Ed25519 in WebCrypto): use a current Chromium, Firefox or Safari, or gameday ctl";
    return;
  }
  const res = await fetch(url, { method: "POST", headers: { "Authorization": auth, "Content-Type": "application/json" }, body });
  const out = await res.json().catch(() => ({}));
  $("control-result").textContent = res.ok ? "done" : (out.error || res.statusText);
}

$("show-controls").addEventListener("click", () => {
  $("controls").hidden = !$("controls").hidden;
  $("token").value = sessionStorage.getItem("gameday-token") || "";
});
for (const b of document.querySelectorAll("#controls button")) b.addEventListener("click", () => control(b.dataset.action));
window.addEventListener("resize", () => { if (view.chart) drawChart(); });
connect();
