import { api, el, t, showError, formatDate, replaceList, announce } from "./api.js";

const $ = (id) => document.getElementById(id);

async function loadCases() {
  const data = await api("GET", "/api/v1/cases?per_page=50");
  replaceList($("cases"), data.items.map((c) => el("li", {},
    el("a", { href: `/app/cases/${c.id}`, text: c.title }),
    el("span", { class: "meta", text: [t(`case_type.${c.case_type}`), c.case_number].filter(Boolean).join(" - ") }),
  )), t("no_cases"));
  const upcoming = data.items.flatMap((c) => (c.next_deadlines || [])
    .filter((d) => d.status === "PENDING" || d.status === "SUGGESTED")
    .map((d) => ({ ...d, case: c })));
  upcoming.sort((a, b) => a.due_date.localeCompare(b.due_date));
  replaceList($("next-deadlines"), upcoming.slice(0, 8).map((d) => el("li", {},
    el("strong", { text: formatDate(d.due_date) }), " ",
    el("a", { href: `/app/cases/${d.case.id}#deadlines`, text: d.title }),
    el("span", { class: `badge ${d.status.toLowerCase()}`, text: t(`deadline.${d.status}`) }),
  )), t("no_deadlines"));
}

async function loadNotifications() {
  const data = await api("GET", "/api/v1/notifications?per_page=10");
  replaceList($("notifications"), data.items.map((n) => el("li", { class: n.read_at ? "" : "unread" },
    n.case_id ? el("a", { href: `/app/cases/${n.case_id}`, text: n.title }) : el("span", { text: n.title }),
    n.body ? el("p", { class: "meta", text: n.body }) : null,
  )), t("no_notifications"));
}

// Documents being read, live from the event stream.
const active = new Map();
function renderActive() {
  $("progress-card").hidden = active.size === 0;
  $("in-progress").replaceChildren(...[...active.values()].map((j) => el("li", {},
    el("label", { for: `job-${j.id}`, text: j.document_title || t("status.PROCESSING") }),
    el("progress", { id: `job-${j.id}`, max: "100", value: String(Math.round((j.progress || 0) * 100)) }),
  )));
}
function follow() {
  const stream = new EventSource("/api/v1/events");
  stream.addEventListener("snapshot", (e) => {
    active.clear();
    for (const j of JSON.parse(e.data).active_jobs || []) if (j.kind === "document.process") active.set(j.id, j);
    renderActive();
  });
  stream.addEventListener("job", (e) => {
    const j = JSON.parse(e.data);
    if (j.kind !== "document.process") return;
    if (["SUCCEEDED", "FAILED", "CANCELLED"].includes(j.status)) { active.delete(j.id); loadCases().catch(() => {}); }
    else active.set(j.id, j);
    renderActive();
  });
  stream.addEventListener("notification", () => loadNotifications().catch(() => {}));
}

$("new-case").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = e.target.elements;
  const court = f.court_type.value;
  const body = { title: f.title.value.trim(), case_type: f.case_type.value, court_type: court,
                 jurisdiction: court === "FEDERAL_DISTRICT" ? "US-FED" : `US-${f.state.value}` };
  if (f.case_number.value.trim()) body.case_number = f.case_number.value.trim();
  try {
    const { case: c } = await api("POST", "/api/v1/cases", body);
    announce(t("saved"));
    location.assign(`/app/cases/${c.id}`);
  } catch (err) { showError($("new-case-error"), err); }
});

Promise.all([loadCases(), loadNotifications()]).catch((err) => showError($("page-error"), err));
follow();
