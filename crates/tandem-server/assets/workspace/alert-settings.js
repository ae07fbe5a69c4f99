// The agent's alert settings: a sound, desktop notifications and the unread count in the tab
// title, each on or off. Kept per user in localStorage, like the read marks of unread.js.

import { user } from "./session.js";

/** Sound and title count start on; desktop notifications wait for the browser's permission. */
const DEFAULTS = { sound: true, desktop: false, title: true };
const storageKey = () => `tandem.alerts.${user()?.id}`;
const listeners = new Set();

/** The current user's settings: {sound, desktop, title}, each a boolean. */
export function alertSettings() {
  let saved = {};
  try {
    saved = JSON.parse(localStorage.getItem(storageKey())) || {};
  } catch {
    saved = {};
  }
  const settings = { ...DEFAULTS };
  for (const name of Object.keys(DEFAULTS)) if (typeof saved[name] === "boolean") settings[name] = saved[name];
  return settings;
}

/** Turns one setting ("sound", "desktop" or "title") on or off and tells the listeners. */
export function setAlertSetting(name, on) {
  if (!(name in DEFAULTS)) return;
  const settings = { ...alertSettings(), [name]: Boolean(on) };
  localStorage.setItem(storageKey(), JSON.stringify(settings));
  for (const fn of listeners) fn(settings);
}

/** Calls `fn(settings)` after every change; returns the unsubscriber. */
export function onAlertSettingsChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
