// Building the page from data without ever parsing data as markup: every string becomes a
// text node (textContent), never markup. Dates are shown in the clinic's time zone.

/** el("li", {class: "x", dataset: {id: 3}, onclick: f}, "text", child, ...) */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** Redraw a list without losing the keyboard's place: the item with the same data-id that
 *  had focus before has it again after. */
export function refill(list, ...children) {
  const focused = list.contains(document.activeElement) ? document.activeElement.dataset.id : null;
  fill(list, ...children);
  if (focused !== undefined && focused !== null) {
    list.querySelector(`[data-id="${CSS.escape(focused)}"]`)?.focus();
  }
  return list;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

export function badge(text, kind = "") {
  return el("span", { class: `badge ${kind}`.trim() }, text);
}

export function table(caption, columns, rows) {
  return el(
    "table",
    {},
    el("caption", { class: "visually-hidden" }, caption),
    el("thead", {}, el("tr", {}, columns.map(([label]) => el("th", { scope: "col" }, label)))),
    el(
      "tbody",
      {},
      rows.map((row) => el("tr", {}, columns.map(([, cell]) => el("td", {}, cell(row) ?? "")))),
    ),
  );
}

// ---------------------------------------------------------------- time, in the clinic's zone

const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
let zone = BROWSER_ZONE;

export function setTimeZone(tz = BROWSER_ZONE) {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    zone = tz;
  } catch {
    /* an unknown zone: keep the browser's */
  }
}

function format(iso, options) {
  const date = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso ?? "");
  return new Intl.DateTimeFormat(undefined, { timeZone: zone, ...options }).format(date);
}

export const fmtTime = (iso) => format(iso, { hour: "numeric", minute: "2-digit" });
export const fmtDay = (iso) => format(iso, { weekday: "short", day: "numeric", month: "short" });
export const fmtDateTime = (iso) =>
  format(iso, { day: "numeric", month: "short", hour: "numeric", minute: "2-digit" });

function parts(date) {
  const found = {};
  const formatter = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
  for (const { type, value } of formatter.formatToParts(date)) found[type] = Number(value);
  return found;
}

/** The clinic's local date of an instant, as YYYY-MM-DD. */
export function localDate(when = new Date()) {
  const p = parts(when instanceof Date ? when : new Date(when));
  const pad = (n) => String(n).padStart(2, "0");
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

function offsetMs(instant) {
  const p = parts(new Date(instant));
  return Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second) - instant;
}

/** The instant the clinic's local day YYYY-MM-DD starts (daylight saving included). */
export function startOfLocalDay(day) {
  const [y, m, d] = day.split("-").map(Number);
  const wall = Date.UTC(y, m - 1, d);
  let instant = wall - offsetMs(wall);
  instant = wall - offsetMs(instant); // the offset at the day's start, not at UTC midnight
  return new Date(instant);
}

export function addDays(day, n) {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}
