// The admin pages (#/admin/{tab}): users, teams, inboxes, canned responses, bot, learning, AI,
// audit, privacy, security.

import { h } from "../dom.js";
import { t } from "../i18n.js";
import { renderAi } from "./admin-ai.js";
import { renderAudit } from "./admin-audit.js";
import { renderBot } from "./admin-bot.js";
import { renderCanned } from "./admin-canned.js";
import { renderInboxes } from "./admin-inboxes.js";
import { renderLearning } from "./admin-learning.js";
import { renderPrivacy } from "./admin-privacy.js";
import { renderAccountSecurity } from "./admin-security.js";
import { renderTeams } from "./admin-teams.js";
import { renderUsers } from "./admin-users.js";

const TABS = { users: renderUsers, teams: renderTeams, inboxes: renderInboxes, canned: renderCanned, bot: renderBot, learning: renderLearning, ai: renderAi, audit: renderAudit, privacy: renderPrivacy, security: renderAccountSecurity };

export function mount(root, tab) {
  const nav = h(
    "nav",
    { class: "admin-tabs" },
    Object.keys(TABS).map((name) => h("a", { id: `admin-tab-${name}`, href: `#/admin/${name}`, text: t("admin.tab." + name) })),
  );
  const content = h("div", { class: "admin-content" });
  root.append(h("div", { class: "admin-layout" }, nav, content));
  let page = null;

  function show(name) {
    const render = TABS[name] || TABS.users;
    for (const link of nav.children) link.classList.toggle("active", link.id === `admin-tab-${name}`);
    page?.destroy?.();
    content.replaceChildren();
    page = render(content);
  }

  show(tab);
  return {
    update: show,
    unmount: () => page?.destroy?.(),
  };
}
