// The ops view: health and every actor of the system (ops see conversations as opaque ids).
// Actors come and go without always sending an event, so the table also refreshes every few
// seconds while it is on screen.

import { $, badge, el, fill, table } from "./dom.js";
import { api } from "./session.js";
import { explain, status } from "./view.js";

const NAME = "actors";
const POLL_MS = 10_000;
let poll = null;

function stateBadge(state) {
  const kind = state === "running" ? "ok" : state === "failed" ? "danger" : "warn";
  return badge(state, kind);
}

function since(unixSeconds) {
  if (typeof unixSeconds !== "number") return "";
  const s = Math.max(0, Math.round(Date.now() / 1000 - unixSeconds));
  if (s < 90) return `${s}s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

async function health() {
  const line = $("#health");
  try {
    const response = await fetch("/readyz");
    const body = await response.json();
    const checks = Object.entries(body.checks ?? {}).map(([k, v]) => `${k} ${v}`).join(", ");
    const ready = body.status === "ready";
    fill(line, "Health: ", badge(body.status ?? "unknown", ready ? "ok" : "danger"), ` ${checks}`);
  } catch {
    fill(line, "Health: ", badge("unreachable", "danger"));
  }
}

async function load() {
  clearTimeout(poll);
  await health();
  try {
    const { items } = await api("/api/ops/actors");
    const byKind = (a, b) => a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id);
    const sorted = [...items].sort(byKind);
    fill(
      $("#actors-table"),
      table(
        "Actors",
        [
          ["Actor", (a) => a.id],
          ["Kind", (a) => a.kind],
          ["State", (a) => stateBadge(a.state)],
          ["PID", (a) => (a.pid == null ? "—" : String(a.pid))],
          ["Restarts", (a) => String(a.restarts)],
          ["Up", (a) => since(a.started_at)],
          ["Last exit", (a) => a.last_exit || ""],
        ],
        sorted,
      ),
    );
    status(NAME, `${items.length} actors.`);
  } catch (error) {
    status(NAME, explain(error), "error");
  }
  if (!$("#view-actors").hidden) poll = setTimeout(load, POLL_MS);
}

export const actorsView = {
  name: NAME,
  load,
  init(refresh) {
    $("#actors-refresh").addEventListener("click", refresh);
  },
  hide() {
    clearTimeout(poll);
  },
  reset() {
    clearTimeout(poll);
    fill($("#actors-table"));
  },
};
