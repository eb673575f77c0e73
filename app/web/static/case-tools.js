// The case page's tools: deadlines to check, the deadline calculator, forms, search and chat.
import { api, el, t, say, taskName, showError, formatDate, replaceList, announce, ApiError } from "./api.js";

const $ = (id) => document.getElementById(id);
let caseId = null;
let theCase = null;
let hooks = {};

async function setDeadline(d, status) {
  try {
    await api("PATCH", `/api/v1/deadlines/${d.id}`, { status });
    announce(`${taskName(d.title)}: ${t(`deadline.${status}`)}`);
    await loadDeadlines();
  } catch (err) { showError($("page-error"), err); }
}

function deadlineItem(d, actions) {
  return el("li", { "data-deadline-id": d.id, "data-status": d.status },
    el("strong", { text: formatDate(d.due_date) }), " ", el("span", { text: taskName(d.title) }),
    el("span", { class: `badge ${d.status.toLowerCase()}`, text: t(`deadline.${d.status}`) }),
    d.quote ? el("blockquote", {}, el("q", { text: d.quote })) : null,
    d.citation ? el("p", { class: "meta", text: d.citation }) : null,
    actions ? el("span", { class: "actions" },
      el("button", { type: "button", class: "small primary", text: t("confirm"), "aria-label": `${t("confirm")}: ${taskName(d.title)}`,
        onclick: () => setDeadline(d, "PENDING") }),
      el("button", { type: "button", class: "small", text: t("dismiss"), "aria-label": `${t("dismiss")}: ${taskName(d.title)}`,
        onclick: () => setDeadline(d, "DISMISSED") })) : null);
}

export async function loadDeadlines() {
  const data = await api("GET", `/api/v1/cases/${caseId}/deadlines?per_page=100`);
  const suggested = data.items.filter((d) => d.status === "SUGGESTED");
  const others = data.items.filter((d) => d.status !== "SUGGESTED" && d.status !== "DISMISSED");
  replaceList($("suggested-deadlines"), suggested.map((d) => deadlineItem(d, true)), t("nothing_to_check"));
  replaceList($("deadline-list"), others.map((d) => deadlineItem(d, false)), t("no_deadlines"));
}

async function setParty(p, action) {
  try {
    if (action === "CONFIRMED") await api("PATCH", `/api/v1/parties/${p.id}`, { status: "CONFIRMED" });
    else await api("DELETE", `/api/v1/parties/${p.id}`);
    announce(`${p.name}: ${t(action === "CONFIRMED" ? "deadline.PENDING" : "deadline.DISMISSED")}`);
    await loadParties();
  } catch (err) { showError($("page-error"), err); }
}

// Parties read from a paper wait as SUGGESTED: confirm the right ones, dismiss (remove) the wrong ones.
export async function loadParties() {
  const data = await api("GET", `/api/v1/cases/${caseId}/parties`);
  const suggested = data.items.filter((p) => p.status === "SUGGESTED");
  const confirmed = data.items.filter((p) => p.status !== "SUGGESTED");
  replaceList($("suggested-parties"), suggested.map((p) => el("li", { "data-party-id": p.id, "data-status": p.status },
    el("span", { text: `${p.name} - ${t(`role.${p.role}`)}` }),
    el("span", { class: "actions" },
      el("button", { type: "button", class: "small primary", text: t("confirm"), "aria-label": `${t("confirm")}: ${p.name}`,
        onclick: () => setParty(p, "CONFIRMED") }),
      el("button", { type: "button", class: "small", text: t("dismiss"), "aria-label": `${t("dismiss")}: ${p.name}`,
        onclick: () => setParty(p, "DISMISSED") })))), t("nothing_to_check"));
  replaceList($("party-list"), confirmed.map((p) => el("li", { "data-party-id": p.id, "data-status": p.status },
    el("span", { text: `${p.name} - ${t(`role.${p.role}`)}` }),
    el("button", { type: "button", class: "small", text: t("remove"), "aria-label": `${t("remove")}: ${p.name}`,
      onclick: () => setParty(p, "REMOVED") }))), t("no_parties"));
}

// --- What to do now: GET /cases/{id}/insights where the server has it (what is missing, and why).
let fittingForms = [];
async function loadInsights() {
  let data;
  try { data = await api("GET", `/api/v1/cases/${caseId}/insights`); }
  catch (err) { if (err.status === 404 || err.status === 405) return; throw err; }
  fittingForms = data.forms || [];
  const items = [...data.missing.map((m) => el("li", { "data-code": m.code },
    el("strong", { text: m.i18n ? say(m.i18n.message) : m.message }), " ",
    el("span", { class: "meta", text: m.i18n ? say(m.i18n.why) : m.why }))), ...data.notes.map((n) => el("li", { text: n }))];
  $("insights").hidden = !items.length;
  $("insight-list").replaceChildren(...items);
}

// --- Deadline calculator: the court rules' count, step by step.
async function loadTriggers() {
  const select = $("trigger");
  try {
    const data = await api("GET", `/api/v1/deadlines/triggers?jurisdiction=${encodeURIComponent(theCase.jurisdiction)}&case_type=${theCase.case_type}`);
    select.replaceChildren(...data.triggers.map((tr) => el("option", { value: tr.id, text: (tr.plain && tr.plain[0]) || tr.label })));
  } catch (err) {
    select.replaceChildren(el("option", { value: "", text: t("calc_none") }));
  }
  try {  // how papers may be served there: the rules' own list, with what each means
    const rules = await api("GET", `/api/v1/deadlines/rules?jurisdiction=${encodeURIComponent(theCase.jurisdiction)}`);
    const methods = Object.entries(rules.service_methods || {});
    $("service_method").replaceChildren($("service_method").options[0],
      ...methods.map(([key, label]) => el("option", { value: key, text: label })));
  } catch (err) { /* the count without a service method still works */ }
}

function calcBody(form) {
  const f = form.elements;
  const body = { trigger: f.trigger.value, trigger_date: f.trigger_date.value };
  if (f.service_method.value) body.service_method = f.service_method.value;
  return body;
}

async function calculate(e) {
  e.preventDefault();
  const out = $("calc-result");
  const body = calcBody(e.target);
  try {
    const data = await api("POST", "/api/v1/deadlines/compute", { ...body, jurisdiction: theCase.jurisdiction });
    if (!data.deadlines.length) { out.replaceChildren(el("p", { text: t("calc_none") })); return; }
    out.replaceChildren(...data.deadlines.map((d) => el("div", { class: "calc" },
      el("h4", { text: `${d.title}: ${formatDate(d.due_date)}` }),
      el("p", { class: "meta", text: d.citation }),
      el("details", { open: true }, el("summary", { text: t("steps") }),
        el("ol", {}, ...d.explanation.map((s) => el("li", { text: s })))))),
      el("p", { class: "notice", role: "note", text: t("not_advice") }),
      el("button", { type: "button", id: "calc-add", text: t("add_to_case"), onclick: async () => {
        try {
          await api("POST", `/api/v1/cases/${caseId}/deadlines/compute`, body);
          announce(t("added_suggested"));
          await loadDeadlines();
        } catch (err) { showError($("page-error"), err); }
      } }));
  } catch (err) {
    out.replaceChildren(el("p", { class: "alert", text: t("error", { message: err.message }) }));
  }
}

// --- Forms: choose, fill (prefilled from the case and profile by the API), download.
async function loadForms() {
  const select = $("form-choice");
  const state = theCase.jurisdiction;
  const data = await api("GET", `/api/v1/forms?jurisdiction=${encodeURIComponent(state)}&per_page=100`);
  const fit = new Set(fittingForms.map((f) => f.id));
  const option = (f) => el("option", { value: f.id, text: f.title });
  const groups = fit.size ? [
    el("optgroup", { label: t("forms_fit") }, ...fittingForms.filter((f) => data.items.some((x) => x.id === f.id)).map(option)),
    el("optgroup", { label: t("forms_other") }, ...data.items.filter((f) => !fit.has(f.id)).map(option)),
  ] : data.items.map(option);
  select.replaceChildren(el("option", { value: "", text: t("choose") }), ...groups);
  select.addEventListener("change", () => showForm(select.value));
}

function fieldInput(f, id) {
  const attrs = { id, name: f.name, required: f.required || null };
  if (f.type === "checkbox") return el("input", { ...attrs, type: "checkbox", value: "true" });
  if (f.options && f.options.length) {
    return el("select", attrs, el("option", { value: "", text: t("choose") }),
      ...f.options.map((o) => el("option", { value: o, text: (f.option_labels && f.option_labels[o]) || o })));
  }
  if (f.type === "date") return el("input", { ...attrs, type: "date" });
  if (f.type === "multiline" || (f.max_chars || 0) > 120) return el("textarea", { ...attrs, rows: "3" });
  return el("input", attrs);
}

async function showForm(formId) {
  const form = $("form-fill");
  form.hidden = !formId;
  $("form-result").replaceChildren();
  if (!formId) return;
  const spec = await api("GET", `/api/v1/forms/${encodeURIComponent(formId)}`);
  form.dataset.formId = formId;
  $("form-fields").replaceChildren(el("p", { class: "help", text: spec.description || "" }),
    ...spec.fields.map((f, i) => {
      const id = `ff-${i}`;
      const label = el("label", { for: id, text: f.label + (f.required ? ` ${t("required")}` : "") });
      const input = fieldInput(f, id);
      const filled = f.source && f.source.length;  // the API fills it from the case or your profile when left empty
      if (filled) input.setAttribute("aria-describedby", `${id}-help`);
      const help = filled ? el("p", { id: `${id}-help`, class: "help", text: t("prefilled") }) : null;
      return f.type === "checkbox" ? el("div", { class: "check" }, input, label, help) : el("div", {}, label, input, help);
    }));
}

async function waitJob(jobId) {
  for (let i = 0; i < 240; i++) {
    const job = await api("GET", `/api/v1/jobs/${jobId}`);
    if (["SUCCEEDED", "FAILED", "CANCELLED"].includes(job.status)) return job;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new ApiError(504, { detail: t("form_wait") });
}

async function fillForm(e) {
  e.preventDefault();
  const form = e.target;
  const values = {};
  for (const input of form.querySelectorAll("input, select, textarea")) {
    if (input.type === "checkbox") { if (input.checked) values[input.name] = true; }
    else if (input.value.trim()) values[input.name] = input.value.trim();
  }
  const out = $("form-result");
  out.replaceChildren(el("p", { text: t("form_wait") }));
  try {
    const accepted = await api("POST", `/api/v1/cases/${caseId}/forms`,
      { form_id: form.dataset.formId, values, allow_incomplete: true });
    const job = await waitJob(accepted.job.id);
    if (job.status !== "SUCCEEDED") throw new ApiError(422, { detail: (job.error && job.error.message) || job.status });
    const doc = await api("GET", `/api/v1/documents/${accepted.document.id}`);
    hooks.onDocument?.(doc);
    out.replaceChildren(el("p", { text: t("form_ready") }),
      el("a", { class: "button primary", id: "form-download", href: `/api/v1/documents/${doc.id}/content`,
        download: doc.filename || `${doc.title}.pdf`, text: `${t("download")}: ${doc.title}` }));
    announce(t("form_ready"));
  } catch (err) {
    const missing = err.body && err.body.errors && err.body.errors.missing;
    out.replaceChildren(el("p", { class: "alert", role: "alert",
      text: missing ? t("form_missing", { fields: [].concat(missing).join(", ") }) : t("error", { message: err.message }) }));
  }
}

// --- Search in this case (snippets come HTML-escaped with <mark> around the words found).
function snippet(html) {
  const p = el("p", { class: "snippet" });
  const decode = (s) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&amp;/g, "&");
  html.split(/(<mark>.*?<\/mark>)/).forEach((part) => {
    const m = part.match(/^<mark>(.*)<\/mark>$/);
    p.append(m ? el("mark", { text: decode(m[1]) }) : decode(part));
  });
  return p;
}

async function search(e) {
  e.preventDefault();
  const q = e.target.elements.q.value.trim();
  if (!q) return;
  try {
    const data = await api("GET", `/api/v1/search?case_id=${caseId}&q=${encodeURIComponent(q)}`);
    replaceList($("search-results"), data.items.map((h) => el("li", {},
      el("strong", { text: h.title }), ...h.snippets.map(snippet))), t("no_results"));
  } catch (err) { showError($("page-error"), err); }
}

// --- Chat: the answer streams in as server-sent events over the POST response.
let chatId = null;
async function ask(e) {
  e.preventDefault();
  const box = e.target.elements.question;
  const message = box.value.trim();
  if (!message) return;
  box.value = "";
  const log = $("chat-log");
  log.append(el("li", { class: "me" }, el("strong", { text: `${t("you")}: ` }), message));
  const answer = el("span", { class: "answer", text: t("thinking") });
  const sources = el("ul", { class: "sources" });
  log.append(el("li", { class: "bot" }, el("strong", { text: `${t("assistant")}: ` }), answer, sources));
  try {
    const token = (await api("GET", "/api/v1/auth/csrf")).csrf_token;
    const r = await fetch(`/api/v1/cases/${caseId}/chat`, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token, Accept: "text/event-stream" },
      body: JSON.stringify(chatId ? { message, chat_id: chatId } : { message }) });
    if (!r.ok) throw new ApiError(r.status, await r.json().catch(() => null));
    let text = "";
    await readEvents(r, (type, data) => {
      if (type === "meta") {
        chatId = data.chat_id;
        sources.replaceChildren(...(data.sources || []).map((s) => el("li", {},
          el("span", { text: `${s.title}, ${t("page", { number: s.page })}` }), s.excerpt ? el("q", { text: s.excerpt }) : null)));
      } else if (type === "delta") { text += data.text; answer.textContent = text; }
      else if (type === "error") { answer.textContent = t("error", { message: data.message || data.code }); }
    });
  } catch (err) { answer.textContent = t("error", { message: err.message }); }
}

async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let type = "message", data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) type = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
      }
      if (data) onEvent(type, JSON.parse(data));
    }
  }
}

// After a paper is read: what it added to the case.
export function refresh() {
  return Promise.all([loadDeadlines(), loadParties(), loadInsights()]).catch(() => {});
}

export function initTools(c, callbacks) {
  theCase = c;
  caseId = c.id;
  hooks = callbacks || {};
  $("calculator").addEventListener("submit", calculate);
  $("form-fill").addEventListener("submit", fillForm);
  $("search-form").addEventListener("submit", search);
  $("chat-form").addEventListener("submit", ask);
  const today = new Date();
  $("trigger_date").value = today.toISOString().slice(0, 10);
  return Promise.all([loadDeadlines(), loadParties(), loadTriggers(), loadInsights().then(loadForms)])
    .catch((err) => showError($("page-error"), err));
}
