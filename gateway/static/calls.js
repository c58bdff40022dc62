// Calls: the recent ones (live ones first) and one call's rolling transcript, which grows as
// call.transcript events arrive without asking the server again.

import { $, badge, el, fill, fmtDateTime, refill } from "./dom.js";
import { api } from "./session.js";
import { explain, status } from "./view.js";

const NAME = "calls";
let calls = [];
let open = null; // {id, log}

const isLive = (c) => c.status !== "ended";

function listItem(call) {
  return el(
    "li",
    {},
    el(
      "button",
      {
        type: "button",
        class: "pick",
        dataset: { id: call.id },
        "aria-current": open?.id === call.id ? "true" : null,
        onclick: () => select(call.id),
      },
      el("span", { class: "pick-title" }, call.from || "unknown caller"),
      el("span", { class: "pick-meta" }, fmtDateTime(call.started_at)),
      el(
        "span",
        { class: "pick-tags" },
        isLive(call) ? badge("live", "live") : badge(call.outcome || call.status, "muted"),
        call.duration_s != null ? badge(`${call.duration_s}s`, "muted") : null,
      ),
    ),
  );
}

function renderList() {
  const sorted = [...calls].sort((a, b) => isLive(b) - isLive(a) || b.id - a.id);
  refill(
    $("#call-list"),
    sorted.length ? sorted.map(listItem) : el("li", { class: "placeholder" }, "No calls yet."),
  );
}

function line(role, text) {
  const caller = role === "caller" || role === "user";
  return el(
    "li",
    { class: `msg ${caller ? "in" : "out"}` },
    el("span", { class: "speaker" }, caller ? "Caller" : "Assistant"),
    el("p", { class: "msg-text" }, text),
  );
}

function addLine(role, text) {
  const { log } = open;
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  log.append(line(role, text));
  if (atBottom) log.scrollTop = log.scrollHeight;
}

async function select(id) {
  const log = el("ol", { class: "messages transcript", role: "log", "aria-label": "Transcript" });
  const head = el("div", { class: "detail-head" });
  open = { id, log, head };
  fill($("#call-detail"), head, log);
  renderList();
  try {
    const call = await api(`/api/calls/${id}`);
    if (open?.id !== id) return;
    fill(
      head,
      el("h3", {}, call.from || "unknown caller"),
      el(
        "p",
        { class: "tags" },
        isLive(call) ? badge("live", "live") : badge(call.outcome || call.status, "muted"),
        " started ",
        fmtDateTime(call.started_at),
      ),
    );
    const events = call.events ?? [];
    const lines = events.length
      ? events.filter((e) => e.kind === "transcript").map((e) => [e.data?.role, e.text])
      : (call.transcript ?? []).map((t) => [t.role, t.text]);
    log.replaceChildren();
    lines.forEach(([role, text]) => addLine(role, text));
    if (!lines.length) log.append(el("li", { class: "placeholder" }, "No transcript yet."));
    log.scrollTop = log.scrollHeight;
  } catch (error) {
    status(NAME, explain(error), "error");
  }
}

async function load() {
  try {
    ({ items: calls } = await api("/api/calls", { query: { limit: "100" } }));
    renderList();
    status(NAME, "");
  } catch (error) {
    status(NAME, explain(error), "error");
  }
}

export const callsView = {
  name: NAME,
  load,
  init() {},
  /** A transcript line is appended in place; anything else reloads the list. */
  event(type, data, refresh) {
    if (type === "call.transcript" && open && Number(data.call_id) === open.id && data.text) {
      $(".placeholder", open.log)?.remove();
      addLine(data.role, data.text);
      return;
    }
    refresh();
  },
  reset() {
    calls = [];
    open = null;
    fill($("#call-list"));
    const hint = el("p", { class: "placeholder" }, "Choose a call to see its transcript.");
    fill($("#call-detail"), hint);
  },
};
