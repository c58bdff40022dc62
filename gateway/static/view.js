// What every view shares: its panel, a status line, and how an API error reads to staff.
// A route that is not on this server (404 on a list) reads "not available", not as a failure.

import { $ } from "./dom.js";

export function panel(name) {
  return document.getElementById(`view-${name}`);
}

export function status(name, text, kind = "") {
  const line = $("[data-status]", panel(name));
  line.textContent = text || "";
  line.dataset.kind = kind;
}

export function explain(error) {
  if (!error || typeof error.status !== "number") return "Something went wrong.";
  if (error.status === 0) return "The server could not be reached; retrying when it is back.";
  if (error.status === 404) return "Not available on this server.";
  if (error.status === 403) return "Your role cannot see this.";
  if (error.status === 429) return "Too many requests; try again shortly.";
  return error.message || `Error ${error.status}.`;
}

/** Run `task` now, or, while it runs and for `ms` after, once more at the end: a burst of
 *  live events costs two loads, not one per event. */
export function coalesce(task, ms = 150) {
  let busy = false;
  let again = false;
  const run = async () => {
    busy = true;
    try {
      await task();
    } catch (error) {
      console.warn("a view did not load", error); // views report their own failures
    } finally {
      setTimeout(() => {
        if (again) {
          again = false;
          run();
        } else {
          busy = false;
        }
      }, ms);
    }
  };
  return () => {
    if (busy) again = true;
    else run();
  };
}
