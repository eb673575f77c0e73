import { api, el, t, showError, replaceList, announce } from "./api.js";

const $ = (id) => document.getElementById(id);
let orgs = [];

async function loadOrgs(selected) {
  orgs = (await api("GET", "/api/v1/organizations")).items;
  $("org").replaceChildren(...orgs.map((o) => el("option", { value: o.id, text: o.name, selected: o.id === selected })));
  await showOrg();
}

async function showOrg() {
  const org = orgs.find((o) => o.id === $("org").value) || orgs[0];
  if (!org) return;
  $("org-role").textContent = t(`role.${org.role}`);
  const owner = org.role === "OWNER";
  $("owner-members").hidden = !owner;
  $("owner-audit").hidden = !owner;
  if (!owner) { $("org-role").textContent += ` - ${t("members_only_owner")}`; return; }
  const headers = { "X-Organization-Id": org.id };
  const members = await api("GET", `/api/v1/organizations/${org.id}/members`, undefined, { headers });
  replaceList($("members"), members.items.map((m, i) => el("li", {},
    el("span", { class: "title", text: m.name }), el("span", { class: "meta", text: m.email }),
    el("label", { for: `member-role-${i}`, text: t("role_of", { name: m.name }) }),
    roleSelect(`member-role-${i}`, m.role, (role) => setRole(org.id, m.user_id, role)))), t("no_results"));
  $("members").dataset.orgId = org.id;
  const names = new Map(members.items.map((m) => [m.user_id, m.name || m.email]));
  const audit = await api("GET", "/api/v1/audit?per_page=50", undefined, { headers });
  $("audit").replaceChildren(...audit.items.map((a) => el("tr", { "data-action": a.action },
    el("td", { text: new Date(a.created_at).toLocaleString(document.documentElement.lang) }),
    el("td", { text: a.user_id ? names.get(a.user_id) ?? t("former_member") : t("caseos") }),
    el("td", { text: actionName(a.action) }), el("td", { text: t(`resource.${a.resource_type}`) }))));
}

// "organization.member_role" -> "Changed someone's role"; a code this page does not know yet stays readable.
function actionName(code) {
  const name = t(`audit.${code}`);
  return name === `audit.${code}` ? code.replace(/[._]/g, " ") : name;
}

function roleSelect(id, current, onChange) {
  const select = el("select", { id }, ...["OWNER", "STAFF", "MEMBER", "VIEWER"].map((r) =>
    el("option", { value: r, text: t(`role.${r}`), selected: r === current })));
  select.addEventListener("change", () => onChange(select.value));
  return select;
}

async function setRole(orgId, userId, role) {
  try {
    await api("PATCH", `/api/v1/organizations/${orgId}/members/${userId}`, { role }, { headers: { "X-Organization-Id": orgId } });
    announce(t("saved"));
    await showOrg();
  } catch (err) { showError($("page-error"), err); }
}

$("org").addEventListener("change", () => showOrg().catch((err) => showError($("page-error"), err)));

$("add-member").addEventListener("submit", async (e) => {
  e.preventDefault();
  const org = $("org").value;
  try {
    await api("POST", `/api/v1/organizations/${org}/members`,
      { email: $("member-email").value.trim(), role: $("member-role").value }, { headers: { "X-Organization-Id": org } });
    $("member-email").value = "";
    announce(t("saved"));
    await showOrg();
  } catch (err) { showError($("member-error"), err); }
});

$("new-org").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    const org = await api("POST", "/api/v1/organizations", { name: $("org-name").value.trim() });
    $("org-name").value = "";
    await loadOrgs(org.id);
  } catch (err) { showError($("page-error"), err); }
});

loadOrgs().catch((err) => showError($("page-error"), err));
