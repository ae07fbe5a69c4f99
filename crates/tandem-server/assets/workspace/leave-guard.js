// Asks before unsaved changes are left: the browser's own question when the page unloads, and
// mayLeave() for app.js's router before a hash route change.

import { t } from "./i18n.js";

const guards = new Set();

function beforeUnload(event) {
  if (![...guards].some((hasChanges) => hasChanges())) return;
  event.preventDefault();
  event.returnValue = "";
}

/** Guards while `hasChanges()` is true; returns the function that stops guarding. */
export function guardUnsavedChanges(hasChanges) {
  guards.add(hasChanges);
  if (guards.size === 1) window.addEventListener("beforeunload", beforeUnload);
  return () => {
    guards.delete(hasChanges);
    if (guards.size === 0) window.removeEventListener("beforeunload", beforeUnload);
  };
}

/** Whether the view may be left: nothing is unsaved, or the user agrees to lose it. */
export function mayLeave() {
  return ![...guards].some((hasChanges) => hasChanges()) || window.confirm(t("leave.confirm"));
}
