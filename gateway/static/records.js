// The clinic's records: customers (search and one record), knowledge-base documents, users.

import { $, badge, el, fill, fmtDateTime, refill, table } from "./dom.js";
import { api } from "./session.js";
import { explain, status } from "./view.js";

// ------------------------------------------------------------------------------ customers

let customers = [];
let openCustomer = null;

function customerItem(c) {
  return el(
    "li",
    {},
    el(
      "button",
      {
        type: "button",
        class: "pick",
        dataset: { id: c.id },
        "aria-current": openCustomer === c.id ? "true" : null,
        onclick: () => showCustomer(c.id),
      },
      el("span", { class: "pick-title" }, c.name || c.phone),
      el("span", { class: "pick-meta" }, c.name ? c.phone : ""),
      el("span", { class: "pick-tags" }, c.opted_out ? badge("opted out", "danger") : null),
    ),
  );
}

function renderCustomers() {
  refill(
    $("#customer-list"),
    customers.length
      ? customers.map(customerItem)
      : el("li", { class: "placeholder" }, "No one found."),
  );
}

/** One customer's whole record: read (and audited) only when staff open it. */
async function showCustomer(id) {
  openCustomer = id;
  renderCustomers();
  const box = $("#customer-detail");
  try {
    const c = await api(`/api/customers/${id}`);
    if (openCustomer !== id) return;
    fill(
      box,
      el("h3", {}, c.name || c.phone),
      el(
        "dl",
        { class: "facts" },
        el("dt", {}, "Number"),
        el("dd", {}, c.phone),
        el("dt", {}, "Email"),
        el("dd", {}, c.email || "—"),
        el("dt", {}, "Texts"),
        el("dd", {}, c.opted_out ? "opted out (STOP)" : "allowed"),
        el("dt", {}, "Notes"),
        el("dd", { class: "notes" }, c.notes || "—"),
      ),
      el("h4", {}, "Appointments"),
      (c.appointments ?? []).length
        ? el(
            "ul",
            { class: "plain" },
            c.appointments.map((a) =>
              el(
                "li",
                {},
                `${fmtDateTime(a.start)} · ${a.service} with ${a.provider} · `,
                badge(a.status, "muted"),
              ),
            ),
          )
        : el("p", { class: "placeholder" }, "None."),
      el("h4", {}, "Calls"),
      el("p", {}, `${(c.calls ?? []).length} call(s)`),
      el("h4", {}, "Texts"),
      el("p", {}, c.thread ? `${c.thread.messages.length} message(s)` : "None."),
    );
  } catch (error) {
    fill(box, el("p", { class: "error" }, explain(error)));
  }
}

async function loadCustomers() {
  const q = $("#customers-q").value.trim();
  try {
    const query = q ? { q, limit: "100" } : { limit: "100" };
    ({ items: customers } = await api("/api/customers", { query }));
    renderCustomers();
    status("customers", q ? `${customers.length} found.` : "");
  } catch (error) {
    fill($("#customer-list"));
    status("customers", explain(error), "error");
  }
}

export const customersView = {
  name: "customers",
  load: loadCustomers,
  init(refresh) {
    $("#customers-form").addEventListener("submit", (event) => {
      event.preventDefault();
      refresh();
    });
  },
  reset() {
    customers = [];
    openCustomer = null;
    $("#customers-q").value = "";
    fill($("#customer-list"));
    const hint = el("p", { class: "placeholder" }, "Choose a customer to see their record.");
    fill($("#customer-detail"), hint);
  },
};

// ---------------------------------------------------------------------- knowledge base

async function loadDocuments() {
  try {
    const { items } = await api("/api/kb/documents");
    fill(
      $("#kb-documents"),
      items.length
        ? table(
            "Knowledge-base documents",
            [
              ["Title", (d) => d.title],
              ["Source", (d) => d.source],
              ["Passages", (d) => String(d.chunks)],
              ["Updated", (d) => fmtDateTime(d.updated_at)],
            ],
            items,
          )
        : el("p", { class: "placeholder" }, "No documents."),
    );
    status("kb", "");
  } catch (error) {
    status("kb", explain(error), "error");
  }
}

async function searchKb(event) {
  event.preventDefault();
  const q = $("#kb-q").value.trim();
  const box = $("#kb-results");
  if (!q) return fill(box);
  try {
    const { results } = await api("/api/kb/search", { query: { q, k: "5" } });
    fill(
      box,
      el("h3", {}, "Search results"),
      results.length
        ? el(
            "ol",
            { class: "plain results" },
            results.map((r) =>
              el(
                "li",
                {},
                el("strong", {}, r.title),
                ` (score ${r.score})`,
                el("p", { class: "muted" }, r.text),
              ),
            ),
          )
        : el("p", { class: "placeholder" }, "Nothing matched."),
    );
  } catch (error) {
    fill(box, el("p", { class: "error" }, explain(error)));
  }
}

export const kbView = {
  name: "kb",
  load: loadDocuments,
  init() {
    $("#kb-form").addEventListener("submit", searchKb);
  },
  reset() {
    $("#kb-q").value = "";
    fill($("#kb-results"));
    fill($("#kb-documents"));
  },
};

// ------------------------------------------------------------------------------- users

async function loadUsers() {
  try {
    const { items } = await api("/api/users", { query: { limit: "200" } });
    fill(
      $("#users-table"),
      table(
        "Staff accounts",
        [
          ["Name", (u) => u.name],
          ["Email", (u) => u.email],
          ["Role", (u) => u.role],
          ["Active", (u) => (u.active ? "yes" : "no")],
        ],
        items,
      ),
    );
    status("users", "");
  } catch (error) {
    status("users", explain(error), "error");
  }
}

export const usersView = {
  name: "users",
  load: loadUsers,
  init() {},
  reset() {
    fill($("#users-table"));
  },
};
