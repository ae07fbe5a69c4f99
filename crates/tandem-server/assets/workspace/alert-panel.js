// The header's alert settings panel (#alerts-panel, opened by #alerts-button): sound, desktop
// notifications and the tab title's count, on or off. Desktop notifications ask the browser's
// permission here, from the click that turns them on.

import { alertSettings, setAlertSetting } from "./alert-settings.js";
import { testChime } from "./chime.js";
import { askDesktopPermission, desktopPermission } from "./desktop.js";
import { t } from "./i18n.js";
import { showShortcutHelp } from "./shortcuts.js";

const $ = (id) => document.getElementById(id);

/** Wires the button and the panel (once, at start-up). */
export function startAlertPanel() {
  $("alerts-button").addEventListener("click", () => (isOpen() ? closePanel() : openPanel()));
  $("alerts-close").addEventListener("click", () => closePanel(true));
  $("alert-sound").addEventListener("change", (event) => setAlertSetting("sound", event.target.checked));
  $("alert-title").addEventListener("change", (event) => setAlertSetting("title", event.target.checked));
  $("alert-desktop").addEventListener("change", changeDesktop);
  $("alert-sound-test").addEventListener("click", () => testChime());
  $("show-shortcuts").addEventListener("click", () => {
    closePanel();
    showShortcutHelp();
  });
  $("alerts-panel").addEventListener("keydown", (event) => {
    if (event.key === "Escape") closePanel(true);
  });
  document.addEventListener("pointerdown", (event) => {
    if (isOpen() && !event.target.closest("#alerts-panel, #alerts-button")) closePanel();
  });
}

const isOpen = () => !$("alerts-panel").hidden;

function openPanel() {
  paint();
  $("alerts-panel").hidden = false;
  $("alerts-button").setAttribute("aria-expanded", "true");
  $("alert-sound").focus();
}

/** Closes the panel; `refocus` returns the focus to the header's button. */
function closePanel(refocus = false) {
  if (!isOpen()) return;
  $("alerts-panel").hidden = true;
  $("alerts-button").setAttribute("aria-expanded", "false");
  if (refocus) $("alerts-button").focus();
}

/** Shows the saved settings; desktop notifications count as on only with the permission. */
function paint() {
  const settings = alertSettings();
  const permission = desktopPermission();
  $("alert-sound").checked = settings.sound;
  $("alert-title").checked = settings.title;
  $("alert-desktop").checked = settings.desktop && permission === "granted";
  $("alert-desktop").disabled = permission === "unsupported";
  const status = $("alert-desktop-status");
  status.hidden = permission !== "denied" && permission !== "unsupported";
  status.textContent = permission === "denied" ? t("alerts.desktopDenied") : t("alerts.desktopUnsupported");
}

async function changeDesktop(event) {
  const wanted = event.target.checked;
  const permission = wanted ? await askDesktopPermission() : desktopPermission();
  setAlertSetting("desktop", wanted && permission === "granted");
  paint();
}
