// The Security page's two-factor card: the user's status, enrolment (the secret and otpauth URI
// as text, then a first code; the recovery codes are shown once) and disabling (password and code).

import { get, post } from "../api.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { errorText } from "../notify.js";
import { mustEnrolTwoFactor } from "../session.js";

/** The card; it loads the status and redraws itself after each step. */
export function twoFactorCard() {
  const card = h("section", { id: "two-factor", class: "card" });
  load(card);
  return card;
}

async function load(card) {
  try {
    render(card, await get("/auth/2fa"));
  } catch (e) {
    replace(card, heading(), h("p", { class: "form-error", text: errorText(e) }));
  }
}

const heading = () => h("h2", { text: t("twoFactor.title") });

function render(card, status) {
  const notice = mustEnrolTwoFactor() && h("p", { id: "two-factor-required", class: "form-error", attrs: { role: "alert" }, text: t("twoFactor.requiredNotice") });
  if (status.enabled) {
    replace(card, heading(), h("p", { id: "two-factor-status", text: t("twoFactor.enabled", { left: status.recovery_codes_left }) }), disableForm(card));
    return;
  }
  const start = h("button", { id: "two-factor-setup", type: "button", class: "primary", text: t("twoFactor.setup"), on: { click: () => setup(card) } });
  replace(card, heading(), notice, h("p", { id: "two-factor-status", text: t(status.required ? "twoFactor.offRequired" : "twoFactor.off") }), start);
}

/** A small form: labelled inputs, a message line and a submit button; `run(values)` on submit. */
function stepForm(id, fields, submitLabel, run) {
  const inputs = fields.map(([name, type, autocomplete]) =>
    h("input", { id: `${id}-${name}`, name, type, attrs: { autocomplete, spellcheck: "false" } }),
  );
  const message = h("p", { id: `${id}-error`, class: "form-error", hidden: true, attrs: { role: "alert" } });
  const submit = h("button", { id: `${id}-submit`, type: "submit", class: "primary", text: submitLabel });
  const form = h(
    "form",
    { id, noValidate: true },
    fields.map(([name], i) => [h("label", { attrs: { for: `${id}-${name}` }, text: t(`twoFactor.field.${name}`) }), inputs[i]]),
    message,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.hidden = true;
    submit.disabled = true;
    try {
      await run(Object.fromEntries(inputs.map((input) => [input.name, input.type === "password" ? input.value : input.value.trim()])));
    } catch (e) {
      message.textContent = stepErrorText(e);
      message.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

/** A wrong password or code in the user's language, else the server's message. */
function stepErrorText(e) {
  if (e.code === "reauthentication_required") return t("reauth.wrong");
  if (e.code === "invalid_two_factor_code" || e.details?.some((d) => d.field === "code")) return t("twoFactor.invalid");
  if (e.code === "too_many_attempts") return t("login.tooMany", { seconds: e.retryAfter ?? "?" });
  return errorText(e);
}

async function setup(card) {
  let enrolment;
  try {
    enrolment = await post("/auth/2fa/setup", {});
  } catch (e) {
    replace(card, heading(), h("p", { class: "form-error", text: errorText(e) }));
    return;
  }
  const confirm = stepForm("two-factor-enable", [["code", "text", "one-time-code"]], t("twoFactor.enable"), async ({ code }) => {
    const { recovery_codes: codes } = await post("/auth/2fa/enable", { code });
    showRecoveryCodes(card, codes);
  });
  replace(
    card,
    heading(),
    h("p", { text: t("twoFactor.scan") }),
    h("label", { text: t("twoFactor.secret") }),
    h("code", { id: "two-factor-secret", class: "secret", text: enrolment.secret }),
    h("label", { text: t("twoFactor.uri") }),
    h("code", { id: "two-factor-uri", class: "secret", text: enrolment.otpauth_uri }),
    confirm,
  );
  confirm.querySelector("input").focus();
}

function showRecoveryCodes(card, codes) {
  const wasRequired = mustEnrolTwoFactor();
  replace(
    card,
    heading(),
    h("p", { id: "two-factor-status", text: t("twoFactor.nowEnabled") }),
    h("p", { class: "form-error", text: t("twoFactor.keepCodes") }),
    h("ul", { id: "two-factor-recovery-codes", class: "recovery-codes" }, codes.map((code) => h("li", {}, h("code", { text: code })))),
    h("button", {
      id: "two-factor-done",
      type: "button",
      class: "primary",
      text: t(wasRequired ? "twoFactor.continue" : "twoFactor.done"),
      on: { click: () => (wasRequired ? openWorkspace() : load(card)) },
    }),
  );
}

/** Once enrolled, a user of an account that requires it gets the workspace: the page starts again. */
function openWorkspace() {
  location.hash = "#/inbox";
  location.reload();
}

function disableForm(card) {
  return stepForm(
    "two-factor-disable",
    [
      ["current_password", "password", "current-password"],
      ["code", "text", "one-time-code"],
    ],
    t("twoFactor.disable"),
    async (values) => {
      await post("/auth/2fa/disable", values);
      load(card);
    },
  );
}
