import { api, el, t, showError } from "./api.js";

const box = () => document.getElementById("form-error");

async function signIn(email, password, next) {
  await api("POST", "/api/v1/auth/login", { email, password }, { signedOut: true });
  location.assign(next || "/app/dashboard");
}

const signinForm = document.getElementById("signin-form");
if (signinForm) {
  signinForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = signinForm.elements;
    try { await signIn(f.email.value.trim(), f.password.value, signinForm.dataset.next); }
    catch (err) { showError(box(), err); }
  });
}

const signupForm = document.getElementById("signup-form");
if (signupForm) {
  signupForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = signupForm.elements;
    const body = { name: f.name.value.trim(), email: f.email.value.trim(), password: f.password.value,
                   user_type: f.user_type.value,
                   timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || undefined };
    try {
      await api("POST", "/api/v1/auth/register", body, { signedOut: true });
      await signIn(body.email, body.password, "/app/dashboard");
    } catch (err) { showError(box(), err); }
  });
}

// Sign-in providers this server offers (Google, LinkedIn, OpenID Connect), from the API; none: no buttons.
async function showProviders() {
  const form = signinForm || signupForm;
  const next = (form && form.dataset.next) || "/app/dashboard";
  let items = [];
  try { items = (await api("GET", "/api/v1/auth/oidc/providers", undefined, { signedOut: true })).items; }
  catch (err) { return; }
  if (!items.length) return;
  document.getElementById("provider-buttons").replaceChildren(...items.map((p) => el("a", {
    class: "button", href: `${p.start_url}?next=${encodeURIComponent(next)}`, text: t("continue_with", { name: p.label }) })));
  document.getElementById("providers").hidden = false;
}
showProviders();
