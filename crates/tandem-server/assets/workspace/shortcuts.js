// Keyboard shortcuts of the workspace. They act on what is on screen, as a click would: the
// inbox's rows (#conversation-list .conversation-row), the conversation's buttons
// (#action-assign-me, #action-resolve), the reply box's note switch (#reply-note) and the list's
// search box (#conversation-search, when the inbox has one). They are ignored while the user
// types in a field, with Ctrl, Alt or ⌘ held, and while another dialog is open.

import { h } from "./dom.js";
import { t } from "./i18n.js";
import { user } from "./session.js";

const SEARCH = "#conversation-search";

/** Key, the description's string key and what it does. `available()`, when given, says whether the
 * shortcut applies now; when it does not, the key is left alone and the help leaves it out. */
const SHORTCUTS = [
  { key: "j", label: "shortcuts.next", run: () => step(1) },
  { key: "k", label: "shortcuts.previous", run: () => step(-1) },
  { key: "a", label: "shortcuts.assign", run: () => press("#action-assign-me") },
  { key: "e", label: "shortcuts.resolve", run: () => press("#action-resolve") },
  { key: "n", label: "shortcuts.note", run: toggleNote },
  { key: "/", label: "shortcuts.search", run: focusSearch, available: () => Boolean(shown(SEARCH)) },
  { key: "?", label: "shortcuts.help", run: toggleHelp },
];

/** Listens to the keyboard (once, at start-up). */
export function startShortcuts() {
  document.addEventListener("keydown", onKey);
}

function onKey(event) {
  if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
  if (!user() || isTyping(event.target) || otherDialogOpen()) return;
  const shortcut = SHORTCUTS.find((item) => item.key === event.key);
  // Behind the help, only "?" (which closes it) works.
  if (!shortcut || (document.getElementById("shortcuts-help") && shortcut.key !== "?")) return;
  if (shortcut.available && !shortcut.available()) return;
  event.preventDefault();
  shortcut.run();
}

/** Text fields, selects and editable content keep their keys. */
function isTyping(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable || target.closest("textarea, select")) return true;
  const input = target.closest("input");
  return Boolean(input) && !["checkbox", "radio", "button", "submit", "reset", "range", "color", "file"].includes(input.type);
}

const otherDialogOpen = () => Boolean(document.querySelector("dialog[open]:not(#shortcuts-help)"));

/** The element if it is on screen and enabled, else null. */
function shown(selector) {
  const el = document.querySelector(selector);
  return el && !el.hidden && !el.disabled && el.getClientRects().length > 0 ? el : null;
}

function press(selector) {
  shown(selector)?.click();
}

/** Opens the next (1) or previous (-1) conversation of the list, or of the search results while they show. */
function step(direction) {
  const searching = shown("#search-results");
  const rows = [...document.querySelectorAll(searching ? "#search-results .search-hit" : "#conversation-list .conversation-row")];
  if (!rows.length) return;
  const current = rows.findIndex((row) => row.classList.contains("selected") || row.getAttribute("href") === location.hash);
  const next = current < 0 ? (direction > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, current + direction));
  const row = rows[next];
  row.focus({ preventScroll: true });
  row.scrollIntoView({ block: "nearest" });
  if (location.hash !== row.getAttribute("href")) location.hash = row.getAttribute("href");
}

/** Switches the reply box between a reply and a private note, and puts the cursor in it. */
function toggleNote() {
  const note = shown("#reply-note");
  if (!note) return;
  note.click();
  document.getElementById("reply-text")?.focus();
}

function focusSearch() {
  const search = shown(SEARCH);
  search.focus();
  search.select();
}

function toggleHelp() {
  const open = document.getElementById("shortcuts-help");
  if (open) closeHelp(open);
  else showShortcutHelp();
}

/** Closes and removes the help at once (its button, "?" and Escape). */
function closeHelp(dialog) {
  dialog.close();
  dialog.remove();
}

/** The help overlay listing the shortcuts (a modal dialog; Escape or its button closes it). */
export function showShortcutHelp() {
  document.getElementById("shortcuts-help")?.remove();
  const close = h("button", { type: "button", id: "shortcuts-help-close", text: t("common.close") });
  const dialog = h(
    "dialog",
    { id: "shortcuts-help", class: "dialog", attrs: { "aria-labelledby": "shortcuts-help-title" } },
    h("h2", { id: "shortcuts-help-title", text: t("shortcuts.title") }),
    h(
      "dl",
      { class: "shortcut-list" },
      SHORTCUTS.filter((item) => !item.available || item.available()).map((item) => [
        h("dt", {}, h("kbd", { text: item.key })),
        h("dd", { text: t(item.label) }),
      ]),
    ),
    h("p", { class: "hint", text: t("shortcuts.typing") }),
    h("div", { class: "dialog-buttons" }, close),
  );
  close.onclick = () => closeHelp(dialog);
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    closeHelp(dialog);
  });
  document.body.append(dialog);
  dialog.showModal();
}
