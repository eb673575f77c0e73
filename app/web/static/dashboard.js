import { api, el, t, say, taskName, showError, formatDate, formatClock, replaceList, announce, ApiError } from "./api.js";

const $ = (id) => document.getElementById(id);

function deadlineItem(d, caseId, caseTitle) {
  const when = d.days_left === undefined ? null : d.days_left === 0 ? t("today") : d.days_left === 1 ? t("tomorrow")
    : t("in_days", { count: d.days_left });
  // a due time is the court's; the person reads it on their own clock (their account's zone)
  const sameDay = d.due_at && d.due_at.slice(0, 10) === d.due_date;
  const yours = d.due_at ? t(sameDay ? "your_time" : "your_time_on", { time: formatClock(d.due_at), date: formatDate(d.due_at) })
    : null;
  return el("li", {},
    el("strong", { text: formatDate(d.due_date) }), when ? el("span", { class: "meta", text: when }) : " ",
    yours ? el("span", { class: "meta", text: yours }) : null,
    el("a", { href: `/app/cases/${caseId}#deadlines`, text: taskName(d.title) }),
    el("span", { class: `badge ${d.status.toLowerCase()}`, text: t(`deadline.${d.status}`) }),
    caseTitle ? el("span", { class: "meta", text: caseTitle }) : null);
}

// GET /api/v1/dashboard where the server has it: deadlines across cases, papers being read, what needs you.
async function loadDashboard() {
  let data;
  try { data = await api("GET", "/api/v1/dashboard"); }
  catch (err) { if (err.status === 404 || err.status === 405) return false; throw err; }
  replaceList($("next-deadlines"), data.next_deadlines.slice(0, 8).map((d) => deadlineItem(d, d.case_id, d.case_title)),
    t("no_deadlines"));
  for (const p of data.processing) {
    if (p.job_id) titles.set(p.job_id, p.title);
    active.set(p.job_id || p.document_id, { id: p.job_id || p.document_id, progress: p.progress });
  }
  renderActive();
  $("attention-card").hidden = !data.attention.length;
  replaceList($("attention"), data.attention.map((c) => el("li", {},
    el("a", { href: `/app/cases/${c.case_id}`, text: c.title }),
    el("ul", {}, ...c.reasons.map((r) => el("li", { text: r.i18n ? say(r.i18n.message) : r.message }))))), "");
  renderNotifications(data.notifications);
  return true;
}

async function loadCases(withDeadlines = true) {
  const data = await api("GET", "/api/v1/cases?per_page=50");
  replaceList($("cases"), data.items.map((c) => el("li", {},
    el("a", { href: `/app/cases/${c.id}`, text: c.title }),
    el("span", { class: "meta", text: [t(`case_type.${c.case_type}`), c.case_number].filter(Boolean).join(" - ") }),
  )), t("no_cases"));
  if (!withDeadlines) return;
  const upcoming = data.items.flatMap((c) => (c.next_deadlines || [])
    .filter((d) => d.status === "PENDING" || d.status === "SUGGESTED")
    .map((d) => ({ ...d, case: c })));
  upcoming.sort((a, b) => a.due_date.localeCompare(b.due_date));
  replaceList($("next-deadlines"), upcoming.slice(0, 8).map((d) => deadlineItem(d, d.case.id, d.case.title)),
    t("no_deadlines"));
}

async function loadNotifications() {
  renderNotifications((await api("GET", "/api/v1/notifications?per_page=10")).items);
}

function renderNotifications(items) {
  replaceList($("notifications"), items.map((n) => el("li", { class: n.read_at ? "" : "unread" },
    n.case_id ? el("a", { href: `/app/cases/${n.case_id}`, text: n.title }) : el("strong", { text: n.title }),
    n.body ? el("p", { class: "meta", text: n.body }) : null,
    n.read_at ? null : el("button", { type: "button", class: "small", text: t("mark_read"),
      "aria-label": `${t("mark_read")}: ${n.title}`, onclick: async (e) => {
        try { await api("POST", `/api/v1/notifications/${n.id}/read`); e.target.remove(); announce(t("saved")); }
        catch (err) { showError($("page-error"), err); }
      } }),
  )), t("no_notifications"));
}

// Documents being read, live from the event stream.
function renderActive() {
  $("progress-card").hidden = active.size === 0;
  $("in-progress").replaceChildren(...[...active.values()].map((j) => el("li", {},
    el("label", { for: `job-${j.id}`, text: titles.get(j.id) || t("status.PROCESSING") }),
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
    if (["SUCCEEDED", "FAILED", "CANCELLED"].includes(j.status)) { active.delete(j.id); load().catch(() => {}); }
    else active.set(j.id, j);
    renderActive();
  });
  stream.addEventListener("notification", () => loadNotifications().catch(() => {}));
}

$("new-case").addEventListener("submit", async (e) => {
  e.preventDefault();
  const f = e.target.elements;
  const court = f.court_type.value;
  // never a state by default: a case in the wrong state would get that state's deadlines
  if (court !== "FEDERAL_DISTRICT" && !f.state.value) {
    showError($("new-case-error"), new ApiError(422, { detail: t("choose_state"), errors: { state: [t("choose_state")] } }));
    return;
  }
  f.state.removeAttribute("aria-invalid");
  const body = { title: f.title.value.trim(), case_type: f.case_type.value, court_type: court,
                 jurisdiction: court === "FEDERAL_DISTRICT" ? "US-FED" : `US-${f.state.value}` };
  if (f.case_number.value.trim()) body.case_number = f.case_number.value.trim();
  try {
    const { case: c } = await api("POST", "/api/v1/cases", body);
    announce(t("saved"));
    location.assign(`/app/cases/${c.id}`);
  } catch (err) { showError($("new-case-error"), err); }
});

async function load() {
  if (await loadDashboard()) await loadCases(false);
  else await Promise.all([loadCases(), loadNotifications()]);
}

const active = new Map();  // job id -> job, for the papers being read
const titles = new Map();  // job id -> the paper's title (from the dashboard)
load().catch((err) => showError($("page-error"), err)).then(follow);
