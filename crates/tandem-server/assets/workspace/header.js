// The header's live parts: the presence switch and the capacity indicator (load / capacity).
// Switching to online goes through going-online.js, which shows what routing then assigns.

import { get, put } from "./api.js";
import { options } from "./dom.js";
import { goOnline } from "./going-online.js";
import { t } from "./i18n.js";
import { toast, errorText } from "./notify.js";
import { user } from "./session.js";

const PRESENCES = ["online", "away", "offline"];
let refreshTimer = null;
let pollTimer = null;
let presence = "offline";

const select = () => document.getElementById("presence");

function renderPresence() {
  const el = select();
  el.replaceChildren(...options(PRESENCES.map((p) => [p, t("presence." + p)]), presence));
  el.className = "presence-" + presence;
}

/** Reads the caller's presence and load from GET /agents. */
async function refreshStatus() {
  const me = user();
  if (!me) return;
  const status = (await get("/agents")).data.find((agent) => agent.user_id === me.id);
  if (!status) return;
  presence = status.presence;
  renderPresence();
  const capacity = document.getElementById("capacity");
  capacity.textContent = t("header.capacity", { load: status.load, capacity: status.effective_capacity });
  capacity.classList.toggle("capacity-full", status.load >= status.effective_capacity);
}

/** Refreshes soon (several live events in a row cause one request). */
export function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => refreshStatus().catch(() => {}), 1500);
}

async function changePresence() {
  const wanted = select().value;
  try {
    const status = wanted === "online" && presence !== "online" ? await goOnline() : await put("/me/presence", { presence: wanted });
    presence = status.presence;
  } catch (error) {
    toast(errorText(error));
  }
  await refreshStatus();
}

export function startHeader() {
  select().onchange = changePresence;
  renderPresence();
  refreshStatus().catch(() => {});
  clearInterval(pollTimer);
  pollTimer = setInterval(() => refreshStatus().catch(() => {}), 30000);
}

export function stopHeader() {
  clearInterval(pollTimer);
  clearTimeout(refreshTimer);
}

/** Re-renders the translated texts after a language change. */
export function translateHeader() {
  renderPresence();
  refreshStatus().catch(() => {});
}
