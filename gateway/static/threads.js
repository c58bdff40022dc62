// SMS threads: the list, one thread's messages, and staff replying from the desk. A staff
// reply pauses the AI on that thread until it is handed back; an opted-out number (STOP)
// cannot be texted at all, so its reply box is disabled.

import { $, badge, el, fill, fmtDateTime, refill } from "./dom.js";
import { api } from "./session.js";
import { explain, status } from "./view.js";

const NAME = "threads";
const MAX_CHARS = 1600;
let threads = [];
let open = null; // {id, lastId, nodes}

const who = (t) => t.customer_name || t.customer_phone;

function badges(thread) {
  return [
    thread.ai_paused ? badge("AI paused", "warn") : null,
    thread.opted_out ? badge("opted out", "danger") : null,
    thread.flag === "cancel_with_visit" ? badge("sent CANCEL with a visit booked", "warn") : null,
  ];
}

function listItem(thread) {
  const current = open?.id === thread.id;
  return el(
    "li",
    {},
    el(
      "button",
      {
        type: "button",
        class: "pick",
        dataset: { id: thread.id },
        "aria-current": current ? "true" : null,
        onclick: () => select(thread.id),
      },
      el("span", { class: "pick-title" }, who(thread)),
      el("span", { class: "pick-meta" }, fmtDateTime(thread.last_message_at)),
      el("span", { class: "pick-tags" }, badges(thread)),
    ),
  );
}

function renderList() {
  refill(
    $("#thread-list"),
    threads.length ? threads.map(listItem) : el("li", { class: "placeholder" }, "No texts yet."),
  );
}

function message(m) {
  const inbound = m.direction === "in";
  return el(
    "li",
    { class: `msg ${inbound ? "in" : "out"}`, dataset: { id: m.id } },
    el("span", { class: "visually-hidden" }, inbound ? "Customer: " : "Clinic: "),
    el("p", { class: "msg-text" }, m.text),
    el(
      "p",
      { class: "msg-meta" },
      el("time", { datetime: m.created_at }, fmtDateTime(m.created_at)),
      inbound ? "" : ` · ${m.status}`,
    ),
  );
}

function detail(thread) {
  const label = `Texts with ${who(thread)}`;
  const log = el("ol", { class: "messages", role: "log", "aria-label": label });
  const text = el("textarea", { id: "reply-text", rows: 3, maxlength: MAX_CHARS });
  const send = el("button", { type: "submit", id: "reply-send" }, "Send");
  const handback = el(
    "button",
    { type: "button", id: "handback", class: "secondary", onclick: () => handBack(thread.id) },
    "Hand back to AI",
  );
  const note = el("p", { class: "hint", id: "reply-hint" });
  const error = el("p", { class: "error", role: "alert" });
  const form = el(
    "form",
    { class: "reply", onsubmit: (event) => reply(event, thread.id) },
    el("label", { for: "reply-text" }, "Reply as staff"),
    text,
    note,
    el("div", { class: "actions" }, send, handback),
    error,
  );
  text.setAttribute("aria-describedby", "reply-hint");
  const head = el("div", { class: "detail-head" });
  fill($("#thread-detail"), head, log, form);
  return { head, log, text, send, handback, note, error };
}

function renderHead(thread) {
  const { head, text, send, handback, note } = open.nodes;
  fill(
    head,
    el("h3", {}, who(thread)),
    thread.customer_name ? el("p", { class: "muted" }, thread.customer_phone) : null,
    el("p", { class: "tags" }, badges(thread)),
  );
  text.disabled = send.disabled = Boolean(thread.opted_out);
  handback.hidden = !thread.ai_paused;
  note.textContent = thread.opted_out
    ? "This number opted out of texts (STOP): nothing can be sent to it."
    : thread.ai_paused
      ? "The AI is paused on this thread: the customer's texts wait for staff."
      : "Sending a reply pauses the AI on this thread until you hand it back.";
}

async function loadMessages() {
  if (!open) return;
  const current = open;
  const { items } = await api(`/api/threads/${current.id}/messages`, {
    query: { after: String(current.lastId) },
  });
  if (open !== current) return;
  const { log } = current.nodes;
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  for (const m of items) {
    if (m.id <= current.lastId) continue;
    log.append(message(m));
    current.lastId = m.id;
  }
  if (atBottom || items.length) log.scrollTop = log.scrollHeight;
}

async function select(id) {
  const thread = threads.find((t) => t.id === id);
  if (!thread) return;
  open = { id, lastId: 0, nodes: detail(thread) };
  renderHead(thread);
  renderList();
  try {
    await loadMessages();
  } catch (error) {
    status(NAME, explain(error), "error");
  }
}

async function reply(event, id) {
  event.preventDefault();
  const { text, send, error } = open.nodes;
  const body = text.value.trim();
  error.textContent = "";
  if (!body) {
    error.textContent = "Write a reply first.";
    return;
  }
  send.disabled = true;
  try {
    await api(`/api/threads/${id}/messages`, { method: "POST", body: { text: body } });
    text.value = "";
    await load();
  } catch (failure) {
    error.textContent =
      failure.status === 409 ? "This number opted out: the text was not sent." : explain(failure);
  } finally {
    send.disabled = Boolean(threads.find((t) => t.id === id)?.opted_out);
  }
}

async function handBack(id) {
  const { error } = open.nodes;
  error.textContent = "";
  try {
    await api(`/api/threads/${id}/handback`, { method: "POST" });
    await load();
    open?.nodes.text.focus(); // the button it was on is gone
  } catch (failure) {
    error.textContent = explain(failure);
  }
}

async function load() {
  try {
    ({ items: threads } = await api("/api/threads", { query: { limit: "200" } }));
    renderList();
    const current = threads.find((t) => t.id === open?.id);
    if (current) {
      renderHead(current);
      await loadMessages();
    }
    status(NAME, "");
  } catch (error) {
    status(NAME, explain(error), "error");
  }
}

export const threadsView = {
  name: NAME,
  load,
  init() {},
  reset() {
    threads = [];
    open = null;
    fill($("#thread-list"));
    fill($("#thread-detail"), el("p", { class: "placeholder" }, "Choose a thread to read it."));
  },
};
