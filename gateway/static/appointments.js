// Today's and the coming days' appointments, one column per provider, day by day.

import {
  $,
  addDays,
  badge,
  el,
  fill,
  fmtDateTime,
  fmtDay,
  fmtTime,
  localDate,
  startOfLocalDay,
} from "./dom.js";
import { api } from "./session.js";
import { explain, status } from "./view.js";

const NAME = "appointments";

function range() {
  const from = $("#appointments-from");
  if (!from.value) from.value = localDate();
  const days = Number($("#appointments-days").value) || 14;
  return {
    from: startOfLocalDay(from.value).toISOString(),
    to: startOfLocalDay(addDays(from.value, days)).toISOString(),
    days,
  };
}

function deposit(appointment) {
  const d = appointment.deposit;
  if (!d || !d.status) return null;
  return badge(`deposit ${d.status}`, d.status === "paid" ? "ok" : "");
}

const KIND_LABELS = {
  confirmation: "confirmation",
  reminder_24h: "day-ahead reminder",
  reminder_2h: "same-day reminder",
  follow_up: "thank-you",
  no_show: "no-show text",
  deposit_reminder: "deposit nudge",
};

// The appointment's texts (reminders and the rest), read when staff open them.
function texts(appointment) {
  const list = el("ul", { class: "reminders" });
  const details = el(
    "details",
    { class: "reminder-details" },
    el("summary", {}, "Texts"),
    list,
  );
  details.addEventListener("toggle", async () => {
    if (!details.open) return;
    fill(list, el("li", {}, "Loading…"));
    try {
      const { reminders } = await api(`/api/appointments/${appointment.id}`);
      fill(
        list,
        reminders.length
          ? reminders.map((r) =>
              el(
                "li",
                { dataset: { kind: r.kind } },
                `${KIND_LABELS[r.kind] || r.kind} · ${fmtDateTime(r.due_at)} `,
                badge(r.status, r.status === "sent" ? "ok" : "muted"),
              ),
            )
          : el("li", {}, "No texts planned."),
      );
    } catch (error) {
      fill(list, el("li", {}, explain(error)));
    }
  });
  return details;
}

function item(appointment) {
  const customer = appointment.customer || {};
  return el(
    "li",
    { class: `appointment status-${appointment.status}`, dataset: { id: appointment.id } },
    el(
      "p",
      { class: "when" },
      el("time", { datetime: appointment.start }, fmtTime(appointment.start)),
      "–",
      el("time", { datetime: appointment.end }, fmtTime(appointment.end)),
    ),
    el("p", { class: "what" }, appointment.service),
    el("p", { class: "who" }, customer.name || customer.phone || "unknown customer"),
    el(
      "p",
      { class: "tags" },
      badge(appointment.status, appointment.status === "booked" ? "ok" : "muted"),
      appointment.source ? badge(`by ${appointment.source}`, "muted") : null,
      deposit(appointment),
    ),
    texts(appointment),
  );
}

function byProvider(items) {
  const groups = new Map();
  for (const a of items) {
    const key = a.provider_id ?? a.provider;
    if (!groups.has(key)) groups.set(key, { name: a.provider, items: [] });
    groups.get(key).items.push(a);
  }
  return [...groups.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function providerColumn(group) {
  const days = new Map();
  for (const a of group.items) {
    const day = localDate(a.start);
    if (!days.has(day)) days.set(day, []);
    days.get(day).push(a);
  }
  const today = localDate();
  return el(
    "section",
    { class: "provider card" },
    el("h3", {}, group.name, " ", el("span", { class: "count" }, `(${group.items.length})`)),
    [...days].map(([day, list]) => [
      el("h4", {}, day === today ? `Today, ${fmtDay(list[0].start)}` : fmtDay(list[0].start)),
      el("ol", { class: "appointments" }, list.map(item)),
    ]),
  );
}

async function load() {
  const { from, to, days } = range();
  status(NAME, "Loading…");
  try {
    const { items } = await api("/api/appointments", { query: { from, to, limit: "2000" } });
    const groups = byProvider(items);
    fill(
      $("#appointments-list"),
      groups.length
        ? groups.map(providerColumn)
        : el("p", { class: "placeholder" }, "No appointments."),
    );
    const span = days === 1 ? "that day" : `the ${days} days from then`;
    const live = items.filter((a) => a.status !== "cancelled").length;
    status(NAME, `${live} appointment${live === 1 ? "" : "s"} in ${span}.`);
  } catch (error) {
    status(NAME, explain(error), "error");
  }
}

export const appointments = {
  name: NAME,
  load,
  init(refresh) {
    $("#appointments-form").addEventListener("submit", (event) => {
      event.preventDefault();
      refresh();
    });
  },
  reset() {
    $("#appointments-from").value = "";
    fill($("#appointments-list"));
  },
};
