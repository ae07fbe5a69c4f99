// The login form and logout.

import { ApiError, del, post } from "./api.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

/** Shows the login form; `onLogin(session)` runs after a successful sign-in. */
export function showLogin(onLogin) {
  $("login-view").hidden = false;
  $("login-error").hidden = true;
  $("login-form").onsubmit = async (event) => {
    event.preventDefault();
    const error = $("login-error");
    error.hidden = true;
    $("login-submit").disabled = true;
    try {
      const session = await post("/auth/session", {
        email: $("login-email").value.trim(),
        password: $("login-password").value,
      });
      $("login-password").value = "";
      $("login-view").hidden = true;
      onLogin(session);
    } catch (e) {
      error.textContent = e instanceof ApiError && e.status === 401 ? t("login.invalid") : e.message;
      error.hidden = false;
    } finally {
      $("login-submit").disabled = false;
    }
  };
  $("login-email").focus();
}

export async function logout() {
  try {
    await del("/auth/session");
  } catch {
    // The session may already be gone; the login form is shown either way.
  }
}
