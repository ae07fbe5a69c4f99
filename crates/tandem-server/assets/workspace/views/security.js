// The signed-in user's security page: change the password, two-factor authentication, see the
// sessions and end them.

import { del, get, post } from "../api.js";
import { h } from "../dom.js";
import { t } from "../i18n.js";
import { errorText, toast } from "../notify.js";
import { mustEnrolTwoFactor } from "../session.js";
import { twoFactorCard } from "./two-factor.js";

export function mount(root) {
  if (mustEnrolTwoFactor()) {
    root.append(h("div", { class: "security" }, twoFactorCard()));
    return { unmount() {} };
  }
  const current = h("input", { type: "password", attrs: { autocomplete: "current-password", id: "security-current" } });
  const next = h("input", { type: "password", attrs: { autocomplete: "new-password", id: "security-new" } });
  const message = h("p", { attrs: { role: "status" }, hidden: true });
  const form = h(
    "form",
    { class: "card", on: { submit: (event) => changePassword(event, current, next, message) } },
    h("h2", { text: t("security.changePassword") }),
    h("label", { text: t("security.current"), attrs: { for: "security-current" } }),
    current,
    h("label", { text: t("security.new"), attrs: { for: "security-new" } }),
    next,
    message,
    h("button", { type: "submit", class: "primary", text: t("security.save") }),
  );
  const list = h("ul", { class: "sessions" });
  const sessions = h(
    "section",
    { class: "card" },
    h("h2", { text: t("security.sessions") }),
    list,
    h("button", { type: "button", text: t("security.revokeOthers"), on: { click: () => revokeOthers(list) } }),
  );
  root.append(h("div", { class: "security" }, form, twoFactorCard(), sessions));
  loadSessions(list);
  return { unmount() {} };
}

async function changePassword(event, current, next, message) {
  event.preventDefault();
  try {
    await post("/auth/password", { current_password: current.value, new_password: next.value });
    current.value = next.value = "";
    message.textContent = t("security.changed");
  } catch (e) {
    message.textContent = e.details?.[0] ? `${e.details[0].field}: ${e.details[0].message}` : errorText(e);
  }
  message.hidden = false;
}

async function loadSessions(list) {
  try {
    const { data } = await get("/auth/sessions");
    list.replaceChildren(
      ...data.map((session) =>
        h(
          "li",
          {},
          h("span", {
            text: [session.user_agent || "?", session.client_ip || "", new Date(session.last_used_at || session.created_at).toLocaleString()]
              .filter(Boolean)
              .join(" · "),
          }),
          session.current
            ? h("strong", { text: " " + t("security.thisSession") })
            : h("button", { type: "button", text: t("security.revoke"), on: { click: () => revoke(session.id, list) } }),
        ),
      ),
    );
  } catch (e) {
    toast(errorText(e));
  }
}

async function revoke(id, list) {
  try {
    await del(`/auth/sessions/${id}`);
  } catch (e) {
    toast(errorText(e));
  }
  loadSessions(list);
}

async function revokeOthers(list) {
  try {
    await post("/auth/sessions/revoke-others", {});
  } catch (e) {
    toast(errorText(e));
  }
  loadSessions(list);
}
