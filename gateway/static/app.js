// The staff dashboard: sign in, the views a role may see as tabs, and live updates by SSE.
// Each view module has load() (fetch and draw), init(refresh) and reset() (forget its data
// at sign-out), and may have event() (apply a live event itself) and hide(). A view loads
// each time it is opened, and again whenever a live event concerns it while it is open.

import { analyticsView } from "./analytics.js";
import { appointments } from "./appointments.js";
import { callsView } from "./calls.js";
import { $, $$, setTimeZone } from "./dom.js";
import * as live from "./live.js";
import { customersView, kbView, usersView } from "./records.js";
import * as session from "./session.js";
import { actorsView } from "./system.js";
import { threadsView } from "./threads.js";
import { coalesce, explain, panel } from "./view.js";

const STAFF = ["admin", "staff"];
const VIEWS = [
  [appointments, STAFF],
  [threadsView, STAFF],
  [callsView, STAFF],
  [customersView, STAFF],
  [kbView, STAFF],
  [analyticsView, ["admin"]],
  [usersView, ["admin"]],
  [actorsView, ["admin", "ops"]], // ops see only this: the machine, no patients
];
// Which views an event concerns, by its type's prefix.
const CONCERNS = [
  ["appointment.", ["appointments", "customers"]],
  ["deposit.", ["appointments"]],
  ["message.", ["threads", "customers"]],
  ["thread.", ["threads"]],
  ["call.", ["calls"]],
  ["customer.", ["customers"]],
  ["actor.", ["actors"]],
];
const LIVE_LABELS = {
  live: "live",
  connecting: "connecting…",
  reconnecting: "reconnecting…",
  offline: "offline",
};

const views = new Map(); // name -> {view, roles, refresh}
let current = null;
let connectedBefore = false;

for (const [view, roles] of VIEWS) {
  const entry = { view, roles, refresh: coalesce(() => view.load()) };
  views.set(view.name, entry);
  view.init(() => entry.refresh());
}

const tabOf = (name) => document.getElementById(`tab-${name}`);
const allowed = () => {
  const role = session.user()?.role;
  return [...views.values()].filter((e) => e.roles.includes(role)).map((e) => e.view.name);
};

function show(name) {
  if (!allowed().includes(name)) return;
  for (const [other, entry] of views) {
    const on = other === name;
    const tab = tabOf(other);
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    panel(other).hidden = !on;
    if (!on && other === current) entry.view.hide?.();
  }
  current = name;
  views.get(name).refresh();
}

function onEvent(type, data) {
  const concerned = CONCERNS.filter(([prefix]) => type.startsWith(prefix)).flatMap(([, n]) => n);
  if (!current || !concerned.includes(current)) return; // the others load when opened
  const entry = views.get(current);
  if (entry.view.event) entry.view.event(type, data, entry.refresh);
  else entry.refresh();
}

function onLiveState(state) {
  const badge = $("#live");
  badge.dataset.state = state;
  badge.textContent = LIVE_LABELS[state] ?? state;
  badge.title = state === "live" ? "Live updates are on" : "Live updates are not connected";
  if (state !== "live") return;
  // After a reconnection the open view is read again: a stream opened anew before it saw any
  // event starts from now, so what happened in between is read rather than assumed.
  if (connectedBefore && current) views.get(current).refresh();
  connectedBefore = true;
}

async function clinicDetails(user) {
  $("#clinic-name").textContent = "";
  if (!STAFF.includes(user.role)) {
    $("#clinic-name").textContent = `· clinic ${user.clinic}`;
    return;
  }
  try {
    const clinic = await session.api("/api/clinic");
    if (clinic.timezone) setTimeZone(clinic.timezone);
    $("#clinic-name").textContent = clinic.name ? `· ${clinic.name}` : "";
  } catch {
    /* the name is decoration; times fall back to this browser's zone */
  }
}

async function enterDesk() {
  const user = session.user();
  $("#login-view").hidden = true;
  $("#session-bar").hidden = false;
  $("#who").textContent = `${user.name} (${user.role})`;
  const mine = allowed();
  for (const name of views.keys()) {
    tabOf(name).hidden = !mine.includes(name);
    panel(name).hidden = true;
  }
  $("#desk").hidden = false;
  await clinicDetails(user);
  live.start(onEvent, onLiveState);
  show(mine[0]);
}

function leaveDesk(reason) {
  live.stop();
  connectedBefore = false;
  for (const entry of views.values()) {
    entry.view.hide?.();
    entry.view.reset();
  }
  current = null;
  setTimeZone();
  $("#desk").hidden = true;
  $("#session-bar").hidden = true;
  $("#clinic-name").textContent = "";
  $("#notice").textContent = reason || "";
  $("#login-password").value = "";
  $("#login-view").hidden = false;
  $("#login-email").focus();
}

function loginMessage(error) {
  if (error.status === 401) return "Wrong email or password.";
  if (error.status === 429) {
    const minutes = error.retryAfter ? Math.ceil(error.retryAfter / 60) : null;
    return minutes
      ? `Too many failed sign-ins: try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`
      : "Too many failed sign-ins: try again later.";
  }
  if (error.code === "clinic_required") {
    $("#login-clinic-field").hidden = false;
    return "This email works at several clinics: enter the clinic's number (ID).";
  }
  if (error.status === 400) return "Enter your email and password.";
  return explain(error);
}

async function signIn(event) {
  event.preventDefault();
  const email = $("#login-email").value.trim();
  const password = $("#login-password").value;
  const clinic = Number($("#login-clinic").value) || undefined;
  const error = $("#login-error");
  const button = $("#login-submit");
  error.textContent = "";
  if (!email || !password) {
    error.textContent = "Enter your email and password.";
    return;
  }
  button.disabled = true;
  try {
    await session.login(email, password, clinic);
    $("#notice").textContent = "";
    await enterDesk();
  } catch (failure) {
    error.textContent = loginMessage(failure);
  } finally {
    button.disabled = false;
  }
}

function tabKeys(event) {
  const tabs = $$("[role=tab]", $("#tabs")).filter((t) => !t.hidden);
  const at = tabs.indexOf(document.activeElement);
  if (at < 0) return;
  const next = {
    ArrowRight: (at + 1) % tabs.length,
    ArrowLeft: (at - 1 + tabs.length) % tabs.length,
    Home: 0,
    End: tabs.length - 1,
  }[event.key];
  if (next === undefined) return;
  event.preventDefault();
  tabs[next].focus();
  show(tabs[next].dataset.view);
}

$("#login-form").addEventListener("submit", signIn);
$("#logout").addEventListener("click", () => session.logout());
$("#tabs").addEventListener("click", (event) => {
  const tab = event.target.closest("[role=tab]");
  if (tab) show(tab.dataset.view);
});
$("#tabs").addEventListener("keydown", tabKeys);
session.on("renewed", () => live.restart());
session.on("ended", leaveDesk);

if (session.resume()) enterDesk();
else leaveDesk("");
