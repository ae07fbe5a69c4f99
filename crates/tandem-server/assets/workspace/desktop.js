// Desktop notifications (the Notification API). Permission is asked only from a click in the
// alert settings, never on page load; a notification's click brings the workspace forward.

/** "granted", "denied", "default" (not asked yet) or "unsupported". */
export function desktopPermission() {
  return "Notification" in window ? Notification.permission : "unsupported";
}

/** Asks the browser for permission (call it from a click); resolves to the new permission. */
export async function askDesktopPermission() {
  if (desktopPermission() !== "default") return desktopPermission();
  return Notification.requestPermission();
}

/**
 * Shows a notification when allowed. `tag` replaces an earlier notification with the same tag
 * (one per conversation); `open()` runs when it is clicked.
 */
export function showDesktopNotification({ title, body, tag, lang, open }) {
  if (desktopPermission() !== "granted") return;
  let notification;
  try {
    notification = new Notification(title, { body, tag, lang, renotify: Boolean(tag) });
  } catch {
    // Some browsers (Android Chrome) only show notifications through a service worker.
    return;
  }
  notification.onclick = () => {
    window.focus();
    open();
    notification.close();
  };
}
