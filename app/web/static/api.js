// The one way the web client talks to CaseOS: the public API with the session cookie and its CSRF token.
const STRINGS = JSON.parse(document.getElementById("strings").textContent);
// Dates and dollars as written in the United States, in the page's language ("3 de marzo de 2026", "$2,350.00").
const LOCALE = document.documentElement.lang === "es" ? "es-US" : "en-US";

export function t(key, vars = {}) {
  const text = STRINGS[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

// A sentence the API wrote without a message id (an analysis stored before messages existed): translated when
// it is one of the fixed sentences.
export function tr(sentence) {
  return STRINGS[`sentence:${sentence}`] ?? sentence;
}

// One of CaseOS's own sentences sent as a message {id, params, text} (docs/API.md): in the page's language
// when the catalogue has its id, with each value formatted for the reader; else the API's English text.
export function say(m) {
  if (!m) return "";
  const template = STRINGS[`msg:${m.id}`];
  if (template === undefined) return m.text;
  const params = m.params || {};
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? param(name, params[name]) : whole));
}

function param(name, value) {
  if (value && typeof value === "object") return say(value);
  if (name === "date") return formatDate(value);
  if (name === "amount") return formatMoney(value);
  if (name === "task") return taskName(value).toLowerCase();
  if (name === "title") return taskName(value);
  if (name === "amount_label") return STRINGS[`amount_label:${value}`] ?? value;
  if (name === "role" || name === "other_role") return STRINGS[`party:${value}`] ?? String(value).toLowerCase();
  if (typeof value === "number") return value.toLocaleString(LOCALE);
  return String(value);
}

// What must be done by a deadline ("File an answer", also a deadline's title): translated when CaseOS wrote it.
export function taskName(label) {
  return STRINGS[`task:${label}`] ?? label;
}

export function amountLabel(label) {
  return STRINGS[`amount_label:${label}`] ?? label;
}

export function dateLabel(label) {
  return STRINGS[`date_label:${label}`] ?? label;
}

// Analysis sentences: from their messages when the API sent them, else the English text.
export function sentences(texts, messages) {
  return messages ? messages.map(say) : (texts || []).map(tr);
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.detail || body.message || body.title)) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
  get fields() { return this.body.errors || {}; }
}

let csrf = null;
async function csrfToken() {
  if (!csrf) {
    const r = await fetch("/api/v1/auth/csrf", { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (r.status === 401) goSignIn();
    csrf = (await r.json()).csrf_token;
  }
  return csrf;
}

export function goSignIn() {
  location.assign("/app/signin?next=" + encodeURIComponent(location.pathname + location.search));
  throw new ApiError(401, { detail: t("signed_out") });
}

export async function api(method, path, body, { signedOut = false, headers: extra = {} } = {}) {
  const headers = { Accept: "application/json", ...extra };
  if (method !== "GET" && !signedOut) headers["X-CSRF-Token"] = await csrfToken();
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
  let r;
  try {
    r = await fetch(path, { method, headers, body: payload, credentials: "same-origin" });
  } catch (e) {
    throw new ApiError(0, { detail: t("network") });
  }
  if (r.status === 401 && !signedOut) goSignIn();
  const data = r.status === 204 ? null : await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

// An upload with its progress (fetch cannot report upload progress).
export async function upload(path, formData, onProgress) {
  const token = await csrfToken();
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.setRequestHeader("X-CSRF-Token", token);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onload = () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data); else reject(new ApiError(xhr.status, data));
    };
    xhr.onerror = () => reject(new ApiError(0, { detail: t("network") }));
    xhr.send(formData);
  });
}

// Build an element: el("li", {class: "x", text: "..."}, child, ...). Text only, never HTML.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

export function announce(message) {
  const live = document.getElementById("live");
  live.textContent = "";
  setTimeout(() => { live.textContent = message; }, 50);
}

export function showError(box, err) {
  box.hidden = false;
  box.replaceChildren(el("p", { text: t("error", { message: err.message }) }));
  const fields = err.fields || {};
  const list = el("ul");
  for (const [name, msgs] of Object.entries(fields)) {
    const field = document.getElementById(name);
    const label = field && field.labels && field.labels[0] ? field.labels[0].textContent : name;
    list.append(el("li", { text: `${label}: ${[].concat(msgs).join(" ")}` }));
    if (field) field.setAttribute("aria-invalid", "true");
  }
  if (list.children.length) box.append(list);
  box.focus?.();
}

export function formatDate(iso) {
  if (!iso) return "";
  const [y, m, d] = iso.slice(0, 10).split("-").map(Number);
  return new Date(y, m - 1, d).toLocaleDateString(LOCALE, { year: "numeric", month: "long", day: "numeric" });
}

// "2027-01-06T14:00:00-08:00" -> "2:00 PM" (the time as the API wrote it, in the zone it chose).
export function formatClock(isoDateTime) {
  const [h, m] = isoDateTime.slice(11, 16).split(":").map(Number);
  return new Date(Date.UTC(2000, 0, 1, h, m)).toLocaleTimeString(LOCALE, { hour: "numeric", minute: "2-digit", timeZone: "UTC" });
}

export function formatMoney(decimal) {
  return Number(decimal).toLocaleString(LOCALE, { style: "currency", currency: "USD" });
}

// replaceChildren would write null as the text "null": leave out what is not there.
export function fill(node, ...children) {
  node.replaceChildren(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

export function replaceList(list, items, empty) {
  list.replaceChildren(...(items.length ? items : [el("li", { class: "empty", text: empty })]));
}

// Sign-out button in the header, on every signed-in page.
const signout = document.getElementById("signout");
if (signout) {
  signout.addEventListener("click", async () => {
    try { await api("POST", "/api/v1/auth/logout"); } catch (e) { /* signed out already */ }
    location.assign("/app/signin");
  });
}
