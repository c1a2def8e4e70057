// What the scoreboard's three pages share: formatting, an event's line,
// and the signed calls of the facilitator's and the teams' pages.
"use strict";

const $ = (id) => document.getElementById(id);

function fmt(n, digits = 0) { return Number(n).toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }); }

// eventItem is an event's line: its game minute, then its text, coloured
// by its kind.
function eventItem(e, text) {
  const li = document.createElement("li");
  const when = document.createElement("span");
  when.className = "when";
  when.textContent = "min " + e.minute;
  const what = document.createElement("span");
  what.className = e.kind;
  what.textContent = text;
  li.append(when, what);
  return li;
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

// signedFetch calls the board with the token's signature, or says why it
// cannot.
async function signedFetch(token, method, path, body) {
  if (!token) throw new Error("give the token first");
  if (!window.isSecureContext || !crypto.subtle) throw new Error("the controls sign with the token and need HTTPS or localhost: open the facilitator stack's https:// page, or use gameday ctl");
  const url = new URL(path, location.href);
  let auth;
  try {
    auth = await signature(token, method, url.pathname + url.search, body);
  } catch (e) {
    throw new Error("this browser cannot sign (Ed25519 in WebCrypto): use a current Chromium, Firefox or Safari, or gameday ctl");
  }
  const res = await fetch(url, { method, headers: { "Authorization": auth, "Content-Type": "application/json" }, body });
  const out = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(out.error || res.statusText);
  return out;
}

