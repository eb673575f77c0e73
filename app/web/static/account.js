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

load().catch((err) => showError($("page-error"), err));
