// Translation: t(key, params), the chosen language (localStorage, else the browser's, else
// pt), static [data-i18n] elements, and date/duration/file-size formatting.

import { STRINGS } from "./strings.js";

const STORAGE_KEY = "tandem.language";
export const LANGUAGES = [
  ["pt", "Português"],
  ["es", "Español"],
  ["en", "English"],
];

function initialLanguage() {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved && STRINGS[saved]) return saved;
  const browser = (navigator.language || "").slice(0, 2).toLowerCase();
  return STRINGS[browser] ? browser : "pt";
}

let current = initialLanguage();
const listeners = new Set();

export const lang = () => current;

export function setLang(code) {
  if (!STRINGS[code] || code === current) return;
  current = code;
  localStorage.setItem(STORAGE_KEY, code);
  document.documentElement.lang = code;
  translateStatic(document);
  for (const fn of listeners) fn(code);
}

export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The string for `key` in the current language, with {name} placeholders filled. */
export function t(key, params = {}) {
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

/** Whether `key` has a text in the current language or in English (t() shows the bare key else). */
export function hasText(key) {
  return STRINGS[current][key] !== undefined || STRINGS.en[key] !== undefined;
}

/** Translates a value of a known set ("status.queued", "channel.web"...), else shows it as is. */
export function tv(prefix, value) {
  const key = `${prefix}.${value}`;
  return STRINGS[current][key] ?? STRINGS.en[key] ?? String(value);
}

/** Fills elements marked data-i18n (text), data-i18n-placeholder and data-i18n-title. */
export function translateStatic(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-title]")) el.title = t(el.dataset.i18nTitle);
}

/** A date-time as the user reads it: time only for today, else date and time. */
export function formatTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const today = new Date().toDateString() === date.toDateString();
  const options = today ? { hour: "2-digit", minute: "2-digit" } : { dateStyle: "short", timeStyle: "short" };
  return new Intl.DateTimeFormat(current, options).format(date);
}

/** A calendar day ("2026-11-30", as reports give it) as the user writes a short date. */
export function formatDay(isoDay) {
  // Parsed and written in UTC, so that no time zone moves the day.
  return new Intl.DateTimeFormat(current, { day: "numeric", month: "numeric", timeZone: "UTC" }).format(new Date(isoDay + "T00:00:00Z"));
}

/** A duration in seconds as "1h 05m", "4m 09s" or "12s". */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, "0");
  if (hours) return `${hours}h ${pad(minutes)}m`;
  if (minutes) return `${minutes}m ${pad(s % 60)}s`;
  return `${s}s`;
}

const SIZE_UNITS = ["B", "KB", "MB", "GB"];

/** A file size in bytes as "820 B", "14 KB" or "1.2 MB" (in the user's number format); "" when
 * unknown. */
export function formatSize(bytes) {
  if (typeof bytes !== "number" || !Number.isFinite(bytes) || bytes < 0) return "";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit > 0 && value < 10 ? 1 : 0;
  return `${new Intl.NumberFormat(current, { maximumFractionDigits: digits }).format(value)} ${SIZE_UNITS[unit]}`;
}

document.documentElement.lang = current;
