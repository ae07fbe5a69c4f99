// Cached look-ups of account data the views share: users, teams (with members), inboxes,
// contacts. Each loader keeps one promise so concurrent callers share one request.

import { get } from "./api.js";
import { t } from "./i18n.js";

const cache = new Map();

function cached(key, load) {
  if (!cache.has(key)) {
    const promise = load().catch((error) => {
      cache.delete(key);
      throw error;
    });
    cache.set(key, promise);
  }
  return cache.get(key);
}

/** Forgets cached data: one key prefix ("users", "teams", "inboxes", "contact:", "ai:") or all. */
export function invalidate(prefix = "") {
  for (const key of [...cache.keys()]) if (key.startsWith(prefix)) cache.delete(key);
}

export const users = () => cached("users", async () => (await get("/users")).data);
export const teams = () => cached("teams", async () => (await get("/teams")).data);
export const inboxes = () => cached("inboxes", async () => (await get("/inboxes")).data);
export const contact = (id) => cached("contact:" + id, () => get(`/contacts/${id}`));
export const cannedResponses = () => cached("canned", async () => (await get("/canned-responses")).data);
/** What the AI layer offers agents: {copilot, translation}. */
export const aiCapabilities = () => cached("ai:capabilities", () => get("/ai/capabilities"));

/** Ids of the teams `userId` belongs to. */
export const teamIdsOf = (userId) =>
  cached("teams:of:" + userId, async () => {
    const all = await teams();
    const memberships = await Promise.all(
      all.map(async (team) => ((await get(`/teams/${team.id}/members`)).data.some((m) => m.id === userId) ? team.id : null)),
    );
    return new Set(memberships.filter(Boolean));
  });

/** Map of id → item for a loaded list. */
export const byId = (items) => new Map(items.map((item) => [item.id, item]));

/** The contact's display name: its name, else its first identity, else a short id. */
export function contactName(contact) {
  if (!contact) return "…";
  if (contact.name) return contact.name;
  const identity = contact.identities?.[0];
  if (identity?.kind === "web_visitor") return t("contact.visitor", { id: identity.value.slice(0, 6) });
  return identity?.value || contact.id.slice(0, 8);
}
