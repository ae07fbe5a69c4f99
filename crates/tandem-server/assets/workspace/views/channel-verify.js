// "Verify" in the inbox form: asks the server whether the channel settings reach the provider
// (POST /inboxes/verify) and says what they reach, that they were refused and why, or that the
// channel cannot be checked; a warning stays while the last check failed.

import { ApiError, post } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { errorText } from "../notify.js";
import { settingErrorText } from "./channel-form.js";

/**
 * `request()` → {channel, channel_config, inbox_id?} (an edited inbox's kept secrets are checked
 * by the server from what it stored), throwing an error with `details` when settings are
 * missing; `settings` is the channel form (its errors are shown next to its fields).
 * Returns {el, warning}: `warning` (shown while the last check failed) goes next to the save button.
 */
export function createVerify(request, settings) {
  const button = h("button", { type: "button", id: "channel-verify", text: t("channel.verify.button") });
  const result = h("p", { id: "channel-verify-result", class: "verify-result", attrs: { role: "status", "data-state": "none" } });
  const warning = h("p", { id: "channel-verify-warning", class: "verify-warning", hidden: true, text: t("channel.verify.warning") });

  function show(state, text) {
    result.dataset.state = state;
    result.textContent = text;
    // Only an answer about the settings changes the warning; a check not made leaves it as it was.
    if (["verified", "unchecked", "failed"].includes(state)) warning.hidden = state !== "failed";
  }

  button.addEventListener("click", async () => {
    settings.clearErrors();
    let body;
    try {
      body = request();
    } catch (error) {
      settings.showErrors(error.details || [], error);
      show("incomplete", t("channel.verify.incomplete"));
      return;
    }
    button.disabled = true;
    show("checking", t("channel.verify.checking"));
    try {
      const answer = await post("/inboxes/verify", body);
      if (answer?.verified) show("verified", answer.account ? t("channel.verify.ok", { account: answer.account }) : t("channel.verify.okPlain"));
      else show("unchecked", t("channel.verify.unchecked"));
    } catch (error) {
      if (error instanceof ApiError && error.status === 422 && error.details.length) {
        settings.showErrors(error.details, error);
        show("failed", t("channel.verify.failed", { reasons: error.details.map((detail) => settingErrorText(detail, error)).join("; ") }));
      } else show("error", errorText(error));
    } finally {
      button.disabled = false;
    }
  });

  // A result stops holding once the settings change; a failure's warning stays until the next check.
  settings.onChange(() => {
    if (["verified", "unchecked"].includes(result.dataset.state)) {
      result.dataset.state = "stale";
      result.textContent = t("channel.verify.stale");
    }
  });

  const el = h("div", { class: "channel-verify" }, button, result);
  return { el, warning };
}
