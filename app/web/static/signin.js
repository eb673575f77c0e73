import { api, el, showError } from "./api.js";

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
