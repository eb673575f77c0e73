// The case page: papers with live progress, their summaries, and what to check.
import { api, upload, el, t, fill, showError, formatDate, formatMoney, replaceList, announce, sentences, taskName,
  amountLabel, dateLabel } from "./api.js";
import { initTools, refresh } from "./case-tools.js";

const $ = (id) => document.getElementById(id);
const caseId = $("case").dataset.caseId;
const FINAL_JOB = ["SUCCEEDED", "FAILED", "CANCELLED"];
const docs = new Map();      // document id -> document
const progress = new Map();  // document id -> 0..1

async function loadCase() {
  const { case: c } = await api("GET", `/api/v1/cases/${caseId}`);
  $("case-title").textContent = c.title;
  document.title = `${c.title} - CaseOS`;
  $("case-facts").textContent = [t(`case_type.${c.case_type}`), t(`court.${c.court_type}`),
    c.case_number ? t("case_number", { number: c.case_number }) : null].filter(Boolean).join(" - ");
  $("case-ics").href = `/api/v1/cases/${caseId}/deadlines.ics`;
  return c;
}

function docItem(d) {
  const busy = d.status === "QUEUED" || d.status === "PROCESSING";
  const pct = Math.round((progress.get(d.id) || 0) * 100);
  return el("li", { "data-document-id": d.id, "data-status": d.status },
    el("span", { class: "title", text: d.title }),
    el("span", { class: `badge ${d.status.toLowerCase()}`, text: t(`status.${d.status}`) }),
    d.status === "FAILED" && d.error ? el("span", { class: "meta", text: d.error.message }) : null,
    busy ? el("progress", { max: "100", value: String(pct), "aria-label": t("progress", { name: d.title, percent: `${pct}%` }) }) : null,
    el("span", { class: "actions" },
      d.status === "PROCESSED" ? el("button", { type: "button", class: "small", text: t("open"),
        "aria-label": `${t("open")}: ${d.title}`, onclick: () => showAnalysis(d) }) : null,
      d.status === "FAILED" ? el("button", { type: "button", class: "small", text: t("retry"),
        "aria-label": `${t("retry")}: ${d.title}`, onclick: () => retry(d) }) : null,
      el("a", { class: "button small", href: `/api/v1/documents/${d.id}/content`, download: d.filename || d.title,
        text: t("download"), "aria-label": `${t("download")}: ${d.title}` })),
  );
}

async function retry(d) {
  try {
    await api("POST", `/api/v1/documents/${d.id}/reprocess`);
    docs.set(d.id, { ...d, status: "QUEUED", error: null });
    renderDocs();
  } catch (err) { showError($("page-error"), err); }
}

function renderDocs() {
  const items = [...docs.values()].sort((a, b) => b.created_at.localeCompare(a.created_at));
  replaceList($("document-list"), items.map(docItem), t("no_documents"));
}

async function loadDocs() {
  const data = await api("GET", `/api/v1/cases/${caseId}/documents?per_page=100`);
  docs.clear();
  for (const d of data.items) docs.set(d.id, d);
  renderDocs();
}

// --- Upload: photos from the camera or files, several at once, each with its progress bar.
async function sendFiles(input) {
  const files = [...input.files];
  input.value = "";
  for (const file of files) {
    const bar = el("progress", { max: "100", value: "0", "aria-label": t("uploading", { name: file.name }) });
    const note = el("span", { text: t("uploading", { name: file.name }) });
    const item = el("li", {}, note, bar);
    $("upload-progress").append(item);
    const form = new FormData();
    form.append("file", file, file.name);
    try {
      const out = await upload(`/api/v1/cases/${caseId}/documents`, form, (f) => { bar.value = Math.round(f * 100); });
      bar.value = 100;
      note.textContent = t(out.duplicate ? "duplicate" : "uploaded", { name: file.name });
      docs.set(out.document.id, out.document);
      renderDocs();
    } catch (err) {
      note.textContent = t("upload_failed", { name: file.name, message: err.message });
      item.classList.add("failed");
    }
    announce(note.textContent);
  }
  refresh();  // "What to do now" no longer asks for papers
}

// --- Live progress from the event stream.
function follow() {
  const stream = new EventSource("/api/v1/events");
  const onJob = (j) => {
    if (!j.document_id || !docs.has(j.document_id) || j.kind !== "document.process") return;
    progress.set(j.document_id, j.progress || 0);
    if (FINAL_JOB.includes(j.status)) {
      api("GET", `/api/v1/documents/${j.document_id}`).then((d) => {
        docs.set(d.id, d);
        renderDocs();
        announce(`${d.title}: ${t(`status.${d.status}`)}`);
        refresh();
      }).catch(() => {});
    } else {
      const d = docs.get(j.document_id);
      if (d.status === "QUEUED" && j.status === "RUNNING") d.status = "PROCESSING";
      renderDocs();
    }
  };
  stream.addEventListener("snapshot", (e) => (JSON.parse(e.data).active_jobs || []).forEach(onJob));
  stream.addEventListener("job", (e) => onJob(JSON.parse(e.data)));
}

// --- A document's summary, each finding with the words it came from, marked in the paper's text.
function quoted(items, render) {
  return el("ul", { class: "findings" }, ...items.map((item) => el("li", {}, render(item),
    item.quote ? el("blockquote", { "aria-label": t("quote") }, el("q", { text: item.quote })) : null)));
}

function section(key, items, render) {
  if (!items || !items.length) return null;
  return el("div", { class: "finding-group" }, el("h3", { text: t(key) }), quoted(items, render));
}

function markedText(pages, quotes) {
  const body = el("div", { class: "doc-text", tabindex: "0", role: "region", "aria-label": t("quote") });
  const wanted = quotes.filter((q) => q && q.length > 2);
  for (const page of pages) {
    const p = el("p", { "data-page": String(page.number) });
    let text = page.text;
    while (text) {
      let best = null;
      for (const q of wanted) {
        const at = text.indexOf(q);
        if (at >= 0 && (!best || at < best.at)) best = { at, q };
      }
      if (!best) { p.append(text); break; }
      p.append(text.slice(0, best.at), el("mark", { text: best.q }));
      text = text.slice(best.at + best.q.length);
    }
    body.append(el("h4", { text: t("page", { number: page.number }) }), p);
  }
  return body;
}

function kindOf(type) {
  const kind = t(`doctype.${type}`);
  return kind.startsWith("doctype.") ? type : kind;
}

async function showAnalysis(d) {
  const box = $("analysis-body");
  $("analysis").hidden = false;
  box.replaceChildren(el("p", { text: t("loading") }));
  try {
    const a = await api("GET", `/api/v1/documents/${d.id}/analysis`);
    const text = await api("GET", `/api/v1/documents/${d.id}/text`).catch(() => ({ pages: [] }));
    const groups = ["parties", "case_numbers", "dates", "deadlines", "amounts", "citations"];
    const quotes = groups.flatMap((g) => (a[g] || []).map((i) => i.quote));
    fill(box,
      el("h3", { text: t("analysis_of", { title: d.title }) }),
      el("p", { class: "meta", text: t("doc_type", { type: kindOf(a.document_type) }) }),
      el("h3", { text: t("summary") }), el("p", { text: a.summary_messages ? sentences([], a.summary_messages).join(" ") : a.summary }),
      section("parties", a.parties, (p) => el("span", { text: `${p.name} - ${t(`role.${p.role}`)}` })),
      section("deadlines", a.deadlines, (x) => el("span", { text: `${taskName(x.label)}${x.due_date ? " - " + formatDate(x.due_date) : ""}` })),
      section("dates", a.dates, (x) => el("span", { text: `${dateLabel(x.label)} - ${formatDate(x.date)}` })),
      section("amounts", a.amounts, (x) => el("span", { text: `${formatMoney(x.value)}${x.label ? " - " + amountLabel(x.label) : ""}` })),
      section("citations", a.citations, (x) => el("span", { text: x.text })),
      a.issues.length ? el("div", {}, el("h3", { text: t("issues") }),
        el("ul", { id: "analysis-issues" }, ...sentences(a.issues, a.issue_messages).map((s) => el("li", { text: s })))) : null,
      a.next_steps.length ? el("div", {}, el("h3", { text: t("next_steps") }),
        el("ul", { id: "analysis-steps" }, ...sentences(a.next_steps, a.next_step_messages).map((s) => el("li", { text: s })))) : null,
      (text.pages || []).length ? el("details", {}, el("summary", { text: t("quote") }), markedText(text.pages, quotes)) : null,
    );
    $("h-analysis").focus();
  } catch (err) {
    box.replaceChildren(el("p", { text: err.status === 409 ? t("no_analysis") : t("error", { message: err.message }) }));
  }
}

$("camera").addEventListener("change", (e) => sendFiles(e.target));
$("files").addEventListener("change", (e) => sendFiles(e.target));

(async () => {
  try {
    const c = await loadCase();
    await loadDocs();
    follow();
    initTools(c, { onDocument: (d) => { docs.set(d.id, d); renderDocs(); } });
  } catch (err) { showError($("page-error"), err); }
})();
