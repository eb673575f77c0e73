import { api, el, t, showError, announce } from "./api.js";

const $ = (id) => document.getElementById(id);

async function load() {
  const me = await api("GET", "/api/v1/auth/me");
  $("name").value = me.user.name || "";
  $("timezone").value = me.user.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone || "";
}

$("profile").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    await api("PATCH", "/api/v1/auth/me", { name: $("name").value.trim(), timezone: $("timezone").value.trim() });
    $("profile-status").textContent = t("saved");
  } catch (err) { showError($("page-error"), err); }
});

$("calendar-key").addEventListener("click", async () => {
  try {
    const { url } = await api("POST", "/api/v1/calendar/key");
    $("calendar-out").replaceChildren(el("p", { text: t("calendar_ready") }),
      el("label", { for: "calendar-url", text: "URL" }),
      el("input", { id: "calendar-url", readonly: true, value: url }),
      el("a", { class: "button", href: url.replace(/^https?:/, "webcal:"), text: t("open") }));
    $("calendar-url").select();
    announce(t("calendar_ready"));
  } catch (err) { showError($("page-error"), err); }
});

$("signout-all").addEventListener("click", async () => {
  try { await api("POST", "/api/v1/auth/logout-all"); } catch (e) { /* already out */ }
  location.assign("/app/signin");
});

// Ways to sign in: the password and each linked provider; link another, or stop using one.
async function loadIdentities() {
  const [mine, offered] = await Promise.all([api("GET", "/api/v1/auth/identities"),
    api("GET", "/api/v1/auth/oidc/providers")]);
  const linked = new Set(mine.items.map((i) => i.provider));
  const labels = new Map(offered.items.map((p) => [p.name, p.label]));
  const label = (i) => labels.get(i.provider) || i.provider;
  $("identities").replaceChildren(
    ...(mine.has_password ? [el("li", { text: t("password_way") })] : []),
    ...mine.items.map((i) => el("li", {}, el("span", { text: [label(i), i.email].filter(Boolean).join(" - ") }),
      el("button", { type: "button", class: "small", text: t("unlink", { name: label(i) }),
        onclick: async () => {
          try { await api("DELETE", `/api/v1/auth/identities/${i.id}`); await loadIdentities(); }
          catch (err) { showError($("page-error"), err); }
        } }))));
  $("link-buttons").replaceChildren(...offered.items.filter((p) => !linked.has(p.name)).map((p) => el("a", {
    class: "button", href: `${p.start_url}?link=true&next=${encodeURIComponent("/app/account")}`,
    text: t("link_with", { name: p.label }) })));
}

load().catch((err) => showError($("page-error"), err));
loadIdentities().catch(() => {});
