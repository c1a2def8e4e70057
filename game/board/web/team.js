// A team's own page: its score, trend, minutes, bill and events, read with
// the team's token every few seconds, and the form to move its customers
// to a new endpoint, which the board checks before the move.
"use strict";

const ms = (v) => v >= 1000 ? fmt(v / 1000, 1) + " s" : fmt(v) + " ms";
const me = { team: "", token: "" };

// The handout's link carries the team and its token after the #, which
// the browser never sends to the server.
function fromLink() {
  const [team, token] = decodeURIComponent(location.hash.slice(1)).split(":");
  if (team && token) {
    sessionStorage.setItem("gameday-team", team + ":" + token);
    history.replaceState(null, "", location.pathname);
  }
  const kept = (sessionStorage.getItem("gameday-team") || ":").split(":");
  $("team").value = kept[0];
  $("token").value = kept[1];
}

function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
}

function render(v) {
  document.title = "Unicorn.Rentals GameDay: " + v.team;
  $("team-name").textContent = v.team;
  $("state").textContent = v.state;
  $("state").className = "state " + v.state;
  $("game-time").textContent = v.game_time;
  $("minutes").textContent = "minute " + v.minutes + " of " + v.length;
  const notes = [];
  if (v.frozen_at != null) notes.push("the standings are frozen at minute " + v.frozen_at + " for the reveal: your score below is as of then");
  if (v.hidden) notes.push("the scores are hidden for now");
  $("room-note").textContent = notes.join("; ");
  $("room-note").hidden = notes.length === 0;
  const s = v.standing;
  $("rank").textContent = v.hidden ? "" : "rank " + s.rank + " of " + v.teams + ":";
  $("score").textContent = v.hidden ? "hidden" : fmt(s.score) + " points";
  $("score-parts").textContent = v.hidden ? "" : fmt(s.points) + " earned, " + fmt(s.penalty) + " lost to failures, " + fmt(s.cost) + " spent on the bill" + (s.awards ? ", " + fmt(s.awards) + " from the facilitator" : "") + (s.hints ? ", " + fmt(-s.hints) + " spent on hints" : "") + (s.quests ? ", " + fmt(s.quests) + " from quests" : "");
  $("trend").replaceChildren(...(v.trend || []).map((p, i) => {
    const li = document.createElement("li");
    li.textContent = (p >= 0 ? "+" : "") + fmt(p);
    li.className = p >= 0 ? "up" : "down";
    li.title = "minute " + (v.minutes - (v.trend.length - i) + 1);
    return li;
  }));
  $("bill").textContent = "$" + fmt(s.cost_per_hour, 3) + " an hour" + (s.bill_note ? " (" + s.bill_note + ")" : "");
  $("bill-items").replaceChildren(...(s.bill || []).map((line) => { const li = document.createElement("li"); li.textContent = line; return li; }));
  $("endpoint").textContent = v.endpoint;
  $("proposed").textContent = v.proposed ? "moving to " + v.proposed + " at the next minute" : "";
  $("quest-note").textContent = v.quest_note || "";
  $("quests").replaceChildren(...(v.quests || []).map(questItem));
  $("events").replaceChildren(...[...(v.events || [])].reverse().slice(0, 30).map((e) => eventItem(e, e.text)));
  $("breakdown").tBodies[0].replaceChildren(...(v.rows || []).slice(0, 15).map((r) => {
    const tr = document.createElement("tr");
    cell(tr, r.minute);
    cell(tr, fmt(r.answers), "num");
    cell(tr, fmt(r.ok), "num");
    cell(tr, (r.tiers || []).map((n) => fmt(n)).join(" / "), "num");
    cell(tr, fmt(r.failed - r.wrong - r.timeouts), r.failed > r.wrong + r.timeouts ? "num bad" : "num");
    cell(tr, fmt(r.timeouts), r.timeouts ? "num bad" : "num");
    cell(tr, fmt(r.wrong), r.wrong ? "num bad" : "num");
    cell(tr, ms(r.p50_ms), "num");
    cell(tr, ms(r.p99_ms), "num");
    cell(tr, fmt(r.points), "num");
    cell(tr, fmt(r.penalty), "num");
    cell(tr, fmt(r.cost, 1), "num");
    return tr;
  }));
}

// questItem is one quest: by number and category until it is done, its
// hints so far, and the button for the next one with its cost.
function questItem(q) {
  const li = document.createElement("li");
  li.className = q.done ? "quest done" : "quest";
  const title = document.createElement("strong");
  title.textContent = "quest " + q.number + " (" + q.category + ")" + (q.done ? ": done" : "");
  li.appendChild(title);
  if (q.what) {
    const what = document.createElement("p");
    what.textContent = q.what;
    li.appendChild(what);
  }
  if ((q.hints || []).length) {
    const hints = document.createElement("ol");
    hints.className = "hints";
    for (const h of q.hints) { const item = document.createElement("li"); item.textContent = h; hints.appendChild(item); }
    li.appendChild(hints);
  }
  if (q.next_hint != null) {
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.quest = q.number;
    button.textContent = "hint " + ((q.hints || []).length + 1) + " for quest " + q.number + " (" + fmt(q.next_hint) + " points)";
    button.addEventListener("click", () => takeHint(q.number));
    li.appendChild(button);
  }
  return li;
}

async function takeHint(quest) {
  $("hint-result").textContent = "asking the board for the hint…";
  try {
    render(await signedFetch(me.token, "POST", "api/team/" + encodeURIComponent(me.team) + "/hint", JSON.stringify({ quest: quest })));
    $("hint-result").textContent = "hint taken for quest " + quest + ": it is under the quest";
  } catch (e) {
    $("hint-result").textContent = "no hint: " + e.message;
  }
}

async function refresh() {
  if (!me.team) return;
  try {
    render(await signedFetch(me.token, "GET", "api/team/" + encodeURIComponent(me.team), null));
    $("sign-in").hidden = true;
    $("team-main").hidden = false;
  } catch (e) {
    $("sign-in").hidden = false;
    $("sign-in-result").textContent = e.message;
  }
}

$("sign-in").addEventListener("submit", (ev) => {
  ev.preventDefault();
  me.team = $("team").value.trim();
  me.token = $("token").value.trim();
  sessionStorage.setItem("gameday-team", me.team + ":" + me.token);
  refresh();
});

$("propose").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("propose-result").textContent = "checking: the board asks it fresh questions…";
  try {
    const v = await signedFetch(me.token, "POST", "api/team/" + encodeURIComponent(me.team) + "/endpoint", JSON.stringify({ endpoint: $("new-endpoint").value.trim() }));
    $("propose-result").textContent = "accepted: your customers move at the next minute";
    render(v);
  } catch (e) {
    $("propose-result").textContent = "refused: " + e.message;
  }
});

fromLink();
if ($("team").value && $("token").value) { me.team = $("team").value; me.token = $("token").value; refresh(); }
setInterval(refresh, 5000);
