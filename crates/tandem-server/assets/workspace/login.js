// The login form (with the account choice when an address belongs to several accounts), its
// second step for two-factor users (a code or a recovery code), the "forgot password" form, the
// page a reset link opens, and logout.

import { ApiError, del, post } from "./api.js";
import { options } from "./dom.js";
import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

/** Which of the logged-out forms the address asks for: login, forgot, or reset with its secret. */
function loggedOutPage() {
  const hash = location.hash.replace(/^#\/?/, "");
  if (hash.startsWith("reset-password/")) return { form: "reset", secret: hash.slice("reset-password/".length) };
  if (hash === "forgot-password") return { form: "forgot" };
  return { form: "login" };
}

function showForm(name) {
  $("login-form").hidden = name !== "login";
  $("two-factor-form").hidden = name !== "two-factor";
  $("forgot-form").hidden = name !== "forgot";
  $("reset-form").hidden = name !== "reset";
}

/** Shows the login form; `onLogin(session)` runs after a successful sign-in. */
export function showLogin(onLogin) {
  $("login-view").hidden = false;
  $("login-error").hidden = true;
  const page = loggedOutPage();
  showForm(page.form);
  if (page.form === "forgot") return showForgot();
  if (page.form === "reset") return showReset(page.secret);
  $("login-form").onsubmit = async (event) => {
    event.preventDefault();
    const error = $("login-error");
    error.hidden = true;
    $("login-submit").disabled = true;
    const body = { email: $("login-email").value.trim(), password: $("login-password").value };
    if (!$("login-account").hidden && $("login-account").value) body.account_id = $("login-account").value;
    try {
      const answer = await post("/auth/session", body);
      $("login-password").value = "";
      $("login-account").hidden = $("login-account-label").hidden = true;
      if (answer.two_factor_required) return showTwoFactor(answer.challenge_token, onLogin);
      $("login-view").hidden = true;
      onLogin(answer);
    } catch (e) {
      if (e instanceof ApiError && e.code === "account_required") {
        $("login-account").replaceChildren(...options(e.accounts.map((a) => [a.id, a.name]), e.accounts[0]?.id));
        $("login-account").hidden = $("login-account-label").hidden = false;
        error.textContent = t("login.chooseAccount");
      } else {
        error.textContent = loginErrorText(e, "login.invalid");
      }
      error.hidden = false;
    } finally {
      $("login-submit").disabled = false;
    }
  };
  $("login-email").focus();
}

/** A failed login step's message: wait N seconds, the wrong password or code, or the server's. */
function loginErrorText(e, wrongKey) {
  if (!(e instanceof ApiError)) return String(e);
  if (e.code === "too_many_attempts") return t("login.tooMany", { seconds: e.retryAfter ?? "?" });
  return e.status === 401 ? t(wrongKey) : e.message;
}

/** The second step: a TOTP or recovery code answers the challenge and starts the session. */
function showTwoFactor(challengeToken, onLogin) {
  showForm("two-factor");
  const error = $("two-factor-error");
  error.hidden = true;
  $("two-factor-back").onclick = () => showLogin(onLogin);
  $("two-factor-form").onsubmit = async (event) => {
    event.preventDefault();
    error.hidden = true;
    $("two-factor-submit").disabled = true;
    try {
      const session = await post("/auth/2fa/verify", { challenge_token: challengeToken, code: $("login-code").value.trim() });
      $("login-code").value = "";
      $("login-view").hidden = true;
      showForm("login");
      onLogin(session);
    } catch (e) {
      error.textContent = loginErrorText(e, "twoFactor.invalid");
      error.hidden = false;
    } finally {
      $("two-factor-submit").disabled = false;
    }
  };
  $("login-code").focus();
}

function showForgot() {
  const message = $("forgot-message");
  message.hidden = true;
  $("forgot-form").onsubmit = async (event) => {
    event.preventDefault();
    $("forgot-submit").disabled = true;
    try {
      await post("/auth/password-reset", { email: $("forgot-email").value.trim() });
      message.textContent = t("forgot.sent");
    } catch (e) {
      message.textContent = e.message;
    } finally {
      message.hidden = false;
      $("forgot-submit").disabled = false;
    }
  };
  $("forgot-email").focus();
}

function showReset(secret) {
  const message = $("reset-message");
  message.hidden = true;
  $("reset-form").onsubmit = async (event) => {
    event.preventDefault();
    $("reset-submit").disabled = true;
    try {
      await post("/auth/password-reset/confirm", { token: secret, new_password: $("reset-password").value });
      $("reset-password").value = "";
      location.hash = "#/";
      message.textContent = t("reset.done");
    } catch (e) {
      message.textContent = e.details[0]?.message ? `${e.details[0].field}: ${e.details[0].message}` : e.message;
    } finally {
      message.hidden = false;
      $("reset-submit").disabled = false;
    }
  };
  $("reset-password").focus();
}

export async function logout() {
  try {
    await del("/auth/session");
  } catch {
    // The session may already be gone; the login form is shown either way.
  }
}
