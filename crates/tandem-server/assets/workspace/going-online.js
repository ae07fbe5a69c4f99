// Going online, made visible. Routing gives an agent who switches to "online" the queued
// conversations they may take, at once. Rather than one alert per conversation, the workspace
// waits until the assignments settle (no new one for a moment) and shows one panel listing what
// was assigned, each conversation a link; or says that nothing was.

import { getAll, put } from "./api.js";
import { alertSettings } from "./alert-settings.js";
import { holdAssignmentAlerts } from "./attention.js";
import { playChime } from "./chime.js";
import { contactNameSpan } from "./contact-name.js";
import { h } from "./dom.js";
import { t, tv } from "./i18n.js";
import { errorText, showAlertPanel, toast } from "./notify.js";

/** Routing is done when no assignment has come for this long... */
const QUIET_MS = 1500;
/** ...or after this long at most. */
const LONGEST_MS = 8000;

let dismissPanel = () => {};

const assignedToMe = () => getAll("/conversations", { status: "assigned", assignee_id: "me" });

/**
 * Sets the agent's presence to online and resolves to their new status (PUT /me/presence);
 * once routing has settled, the panel shows the conversations it assigned.
 */
export async function goOnline() {
  const before = new Set((await assignedToMe()).map((conv) => conv.id));
  let settle;
  const settled = new Promise((resolve) => (settle = resolve));
  let quiet = null;
  const restartQuiet = () => {
    clearTimeout(quiet);
    quiet = setTimeout(settle, QUIET_MS);
  };
  const release = holdAssignmentAlerts(restartQuiet);
  let status;
  try {
    status = await put("/me/presence", { presence: "online" });
  } catch (error) {
    release();
    throw error;
  }
  if (status.presence !== "online") {
    release();
    return status;
  }
  restartQuiet();
  const longest = setTimeout(settle, LONGEST_MS);
  settled
    .then(async () => {
      clearTimeout(quiet);
      clearTimeout(longest);
      release();
      const fresh = (await assignedToMe()).filter((conv) => !before.has(conv.id));
      showAssigned(fresh);
    })
    .catch((error) => toast(errorText(error)));
  return status;
}

/** The panel listing `conversations` (from GET /conversations), or a note that none came. */
function showAssigned(conversations) {
  dismissPanel();
  if (!conversations.length) {
    toast(t("online.none"), "info");
    return;
  }
  if (alertSettings().sound) playChime("assigned");
  const count = conversations.length;
  const close = h("button", { type: "button", id: "online-assignments-close", class: "link-button", text: t("common.close") });
  const panel = h(
    "section",
    { id: "online-assignments", class: "online-assignments", attrs: { "aria-labelledby": "online-assignments-title" } },
    h(
      "div",
      { class: "online-assignments-head" },
      h("h2", { id: "online-assignments-title", text: count === 1 ? t("online.assignedOne") : t("online.assignedMany", { count }) }),
      close,
    ),
    h("ul", { class: "plain-list" }, conversations.map((conv) => h("li", {}, assignmentLink(conv)))),
  );
  // It goes away when closed, or once every conversation it lists has been opened (from it or
  // not); logging out clears it with the other alerts.
  const markOpened = () => {
    panel.querySelector(`.online-assignment[href="${CSS.escape(location.hash)}"]`)?.classList.add("visited");
    if (!panel.isConnected || !panel.querySelector(".online-assignment:not(.visited)")) dismissPanel();
  };
  dismissPanel = () => {
    panel.remove();
    window.removeEventListener("hashchange", markOpened);
  };
  close.onclick = () => dismissPanel();
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") dismissPanel();
  });
  window.addEventListener("hashchange", markOpened);
  showAlertPanel(panel);
}

/** One assigned conversation: its contact, channel and latest message; opens it. */
function assignmentLink(conv) {
  const name = contactNameSpan(conv);
  return h(
    "a",
    { class: "online-assignment", href: `#/conversations/${conv.id}`, attrs: { "data-conversation-id": conv.id } },
    h("span", { class: "row-line" }, name, conv.channel && h("span", { class: `channel-badge channel-${conv.channel}`, text: tv("channel", conv.channel) })),
    conv.last_message && !conv.last_message.private && h("span", { class: "conversation-preview", text: conv.last_message.text }),
  );
}
