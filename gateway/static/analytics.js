// Analytics as bar charts of plain elements, one per figure. Nothing here knows the figures'
// names: every numeric field of a bucket (nested ones as "calls · total") gets a chart, with
// the bucket's `start` (or `label`) as its date, so new figures show without a change here.

import { $, addDays, el, fill, localDate } from "./dom.js";
import { api } from "./session.js";
import { explain, status } from "./view.js";

const NAME = "analytics";
const DATE_KEYS = new Set(["start", "end", "label", "date"]);

/** [["calls · total", 3], ...]: the numeric leaves of an object, arrays left out. */
function numbers(value, prefix = "") {
  const found = [];
  for (const [key, inner] of Object.entries(value ?? {})) {
    if (!prefix && DATE_KEYS.has(key)) continue;
    const name = prefix ? `${prefix} · ${key}` : key;
    if (typeof inner === "number" && Number.isFinite(inner)) found.push([name, inner]);
    else if (inner && typeof inner === "object" && !Array.isArray(inner)) {
      found.push(...numbers(inner, name));
    }
  }
  return found;
}

function label(bucket) {
  return String(bucket.start ?? bucket.label ?? bucket.date ?? "");
}

function chart(name, points) {
  const max = Math.max(0, ...points.map(([, v]) => v));
  const summary = points.map(([when, v]) => `${when}: ${v}`).join(", ");
  const bars = el(
    "div",
    { class: "bars", role: "img", "aria-label": `${name} by period. ${summary}` },
    points.map(([when, v]) => {
      const bar = el("div", { class: "bar", title: `${when}: ${v}` });
      bar.style.height = max > 0 ? `${Math.max(2, (v / max) * 100)}%` : "2px";
      return el("div", { class: "bar-slot" }, bar);
    }),
  );
  const first = points[0]?.[0] ?? "";
  const last = points.at(-1)?.[0] ?? "";
  return el(
    "figure",
    { class: "chart card" },
    el("figcaption", {}, el("span", {}, name), el("span", { class: "chart-max" }, `max ${max}`)),
    bars,
    el("p", { class: "axis" }, el("span", {}, first), el("span", {}, last)),
  );
}

function totals(values) {
  const shown = numbers(values);
  if (!shown.length) return null;
  return el(
    "dl",
    { class: "totals" },
    shown.map(([name, v]) => {
      const shownValue = Number.isInteger(v) ? String(v) : v.toFixed(2);
      return el("div", {}, el("dt", {}, name), el("dd", {}, shownValue));
    }),
  );
}

async function load() {
  const from = $("#analytics-from");
  const to = $("#analytics-to");
  if (!to.value) to.value = localDate();
  if (!from.value) from.value = addDays(to.value, -29);
  status(NAME, "Loading…");
  try {
    const report = await api("/api/analytics", {
      query: { from: from.value, to: to.value, bucket: $("#analytics-bucket").value },
    });
    const buckets = Array.isArray(report.buckets) ? report.buckets : [];
    const series = new Map();
    for (const bucket of buckets) {
      for (const [name, value] of numbers(bucket)) {
        if (!series.has(name)) series.set(name, []);
        series.get(name).push([label(bucket), value]);
      }
    }
    const summary = report.totals ? [el("h3", {}, "Totals"), totals(report.totals)] : null;
    fill($("#analytics-totals"), summary);
    fill(
      $("#analytics-charts"),
      series.size
        ? [...series].map(([name, points]) => chart(name, points))
        : el("p", { class: "placeholder" }, "No figures for this range."),
    );
    status(NAME, `${buckets.length} period(s) from ${from.value} to ${to.value}.`);
  } catch (error) {
    fill($("#analytics-charts"));
    status(NAME, explain(error), "error");
  }
}

export const analyticsView = {
  name: NAME,
  load,
  init(refresh) {
    $("#analytics-form").addEventListener("submit", (event) => {
      event.preventDefault();
      refresh();
    });
  },
  reset() {
    $("#analytics-from").value = "";
    $("#analytics-to").value = "";
    fill($("#analytics-totals"));
    fill($("#analytics-charts"));
  },
};
