// Admin bot page: whose bot profile is edited, the account's (used by every inbox without its own)
// or one inbox's own (/inboxes/{id}/bot/profile). The selector marks the inboxes that have their
// own; an inbox without one offers to get it, an inbox with one to go back to the account's.

import { ApiError, del, get } from "../api.js";
import { inboxes } from "../directory.js";
import { h, options } from "../dom.js";
import { t, tv } from "../i18n.js";
import { mayLeave } from "../leave-guard.js";
import { errorText, toast } from "../notify.js";

const ACCOUNT_PATH = "/bot/profile";
const ACCOUNT = "";
const inboxPath = (id) => `/inboxes/${id}/bot/profile`;

/** The saved profile at `path`, or null when there is none. */
async function savedAt(path) {
  try {
    return await get(path);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

/**
 * `load(profile)` puts the saved profile of the target just chosen in the editor (null: none);
 * `startOwn(profile)` starts an unsaved profile for the chosen inbox from the account's (null:
 * the account has none). Returns {el, load(), path(), inbox(), shown(profile), started()}.
 */
export function createProfileTarget({ load, startOwn }) {
  let list = [];
  /** The target whose profile the editor holds: an inbox id, or ACCOUNT. */
  let current = ACCOUNT;
  const select = h("select", { id: "bot-profile-of", attrs: { "aria-describedby": "bot-profile-of-hint" } }, options([[ACCOUNT, t("admin.bot.target.account")]], ACCOUNT));
  const notice = h("p", { id: "bot-inbox-notice", class: "bot-target-notice", hidden: true, text: t("admin.bot.inbox.usesAccount") });
  const giveOwn = h("button", { type: "button", id: "bot-inbox-own", class: "primary", hidden: true, text: t("admin.bot.inbox.giveOwn") });
  const remove = h("button", { type: "button", id: "bot-inbox-remove", hidden: true, text: t("admin.bot.inbox.remove") });
  const el = h(
    "section",
    { id: "bot-target", class: "card bot-target" },
    h("div", { class: "form-row" }, h("label", { attrs: { for: "bot-profile-of" }, text: t("admin.bot.target.label") }), select, h("span", { id: "bot-profile-of-hint", class: "hint", text: t("admin.bot.target.hint") })),
    h("div", { class: "bot-target-actions" }, notice, giveOwn, remove),
  );

  /** Marks an inbox's option: whether it has its own profile (undefined: not known). */
  function mark(id, hasOwn) {
    const inbox = list.find((item) => item.id === id);
    const option = [...select.options].find((item) => item.value === id);
    if (!inbox || !option) return;
    const key = hasOwn === undefined ? "admin.bot.target.inbox" : hasOwn ? "admin.bot.target.own" : "admin.bot.target.shared";
    option.textContent = t(key, { name: inbox.name, channel: tv("channel", inbox.channel) });
  }

  async function listInboxes() {
    try {
      list = await inboxes();
    } catch (e) {
      toast(errorText(e));
      return;
    }
    select.append(...options(list.map((inbox) => [inbox.id, inbox.name]), select.value));
    for (const inbox of list) {
      mark(inbox.id);
      // An inbox whose profile could not be read stays unmarked; choosing it shows the error.
      savedAt(inboxPath(inbox.id)).then(
        (profile) => mark(inbox.id, Boolean(profile)),
        () => {},
      );
    }
  }

  /** Loads the chosen target's saved profile into the editor, unless another was chosen since. */
  async function loadChosen() {
    const chosen = select.value;
    try {
      const profile = await savedAt(chosen === ACCOUNT ? ACCOUNT_PATH : inboxPath(chosen));
      if (chosen !== select.value) return;
      current = chosen;
      load(profile);
    } catch (e) {
      if (chosen !== select.value) return;
      select.value = current;
      toast(errorText(e));
    }
  }

  select.addEventListener("change", () => {
    if (mayLeave()) loadChosen();
    else select.value = current;
  });
  giveOwn.onclick = async () => {
    giveOwn.disabled = true;
    try {
      startOwn(await savedAt(ACCOUNT_PATH));
    } catch (e) {
      toast(errorText(e));
    } finally {
      giveOwn.disabled = false;
    }
  };
  remove.onclick = async () => {
    const inbox = list.find((item) => item.id === current);
    if (!window.confirm(t("admin.bot.inbox.confirmRemove", { name: inbox?.name ?? "" }))) return;
    remove.disabled = true;
    try {
      await del(inboxPath(current));
      toast(t("admin.bot.inbox.removed"), "ok");
      load(null);
    } catch (e) {
      toast(errorText(e));
    } finally {
      remove.disabled = false;
    }
  };

  listInboxes();

  return {
    el,
    /** Loads the chosen target's saved profile (the account's, at first). */
    load: loadChosen,
    /** Where the profile in the editor is saved. */
    path: () => (current === ACCOUNT ? ACCOUNT_PATH : inboxPath(current)),
    /** The inbox whose own profile is in the editor; null for the account's. */
    inbox: () => (current === ACCOUNT ? null : current),
    /** After a load or save: shows the target's state; false when an inbox uses the account's profile. */
    shown(profile) {
      if (current !== ACCOUNT) mark(current, Boolean(profile));
      const usesAccount = current !== ACCOUNT && !profile;
      notice.hidden = giveOwn.hidden = !usesAccount;
      remove.hidden = current === ACCOUNT || !profile;
      return !usesAccount;
    },
    /** An unsaved own profile for the inbox is being written. */
    started() {
      notice.hidden = giveOwn.hidden = true;
    },
  };
}
