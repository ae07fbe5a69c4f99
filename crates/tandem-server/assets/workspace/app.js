// Boot, session and hash routing: #/inbox, #/conversations/{id}, #/contacts[/{id}], #/supervisor,
// #/admin/{tab}. The body's data-screen names what is shown (inbox, conversation, contacts, contact,
// supervisor, admin, security):
// at phone width the list and the open conversation are separate screens (app.css).

import { startAlertPanel } from "./alert-panel.js";
import { ApiError, get, setCsrfToken, setUnauthorizedHandler } from "./api.js";
import { attentionFrame, startAttention, stopAttention } from "./attention.js";
import { prepareChime } from "./chime.js";
import { invalidate } from "./directory.js";
import { options } from "./dom.js";
import { refreshSoon, startHeader, stopHeader, translateHeader } from "./header.js";
import { LANGUAGES, lang, onLangChange, setLang, translateStatic } from "./i18n.js";
import { mayLeave } from "./leave-guard.js";
import * as live from "./live.js";
import { logout, showLogin } from "./login.js";
import { clearAlerts } from "./notify.js";
import { isAdmin, isSupervisor, mustEnrolTwoFactor, setMustEnrolTwoFactor, setUser, user } from "./session.js";
import { startShortcuts } from "./shortcuts.js";
import * as inboxView from "./views/inbox.js";
import * as contactsView from "./views/contacts.js";
import * as supervisorView from "./views/supervisor.js";
import * as adminView from "./views/admin.js";
import * as securityView from "./views/security.js";

const $ = (id) => document.getElementById(id);
let current = null; // {name, view}

function parseRoute() {
  if (mustEnrolTwoFactor()) return { name: "security", view: securityView };
  const parts = location.hash.replace(/^#\/?/, "").split("/");
  if (parts[0] === "conversations" && parts[1]) return { name: "inbox", view: inboxView, param: parts[1] };
  if (parts[0] === "contacts") return { name: "contacts", view: contactsView, param: parts[1] || null, screen: parts[1] ? "contact" : "contacts" };
  if (parts[0] === "supervisor" && isSupervisor()) return { name: "supervisor", view: supervisorView };
  if (parts[0] === "admin" && isAdmin()) return { name: "admin", view: adminView, param: parts[1] || "users" };
  if (parts[0] === "security") return { name: "security", view: securityView };
  return { name: "inbox", view: inboxView, param: null };
}

function route(force = false) {
  if (!user()) return;
  const next = parseRoute();
  document.body.dataset.screen = next.screen || (next.name === "inbox" && next.param ? "conversation" : next.name);
  for (const [id, name] of [["nav-inbox", "inbox"], ["nav-contacts", "contacts"], ["nav-supervisor", "supervisor"], ["nav-admin", "admin"], ["nav-security", "security"]]) {
    $(id).classList.toggle("active", next.name === name);
  }
  if (!force && current && current.name === next.name && current.instance.update) {
    current.instance.update(next.param);
    return;
  }
  current?.instance.unmount();
  const root = $("view");
  root.replaceChildren();
  current = { name: next.name, instance: next.view.mount(root, next.param) };
}

function loggedIn(session) {
  setCsrfToken(session.csrf_token);
  setUser(session.user);
  // Until the user enrols in two-factor authentication only the Security page is open to them.
  const enrolling = Boolean(session.two_factor_enrolment_required);
  setMustEnrolTwoFactor(enrolling);
  $("main-nav").hidden = enrolling;
  $("agent-tools").hidden = enrolling;
  $("logout").hidden = false;
  $("nav-supervisor").hidden = !isSupervisor();
  $("nav-admin").hidden = !isAdmin();
  $("user-name").textContent = session.user.name;
  if (enrolling) {
    history.replaceState(null, "", "#/security");
  } else {
    live.connect();
    startHeader();
    startAttention();
  }
  route(true);
}

function loggedOut() {
  live.disconnect();
  stopHeader();
  stopAttention();
  clearAlerts();
  current?.instance.unmount();
  current = null;
  setUser(null);
  setMustEnrolTwoFactor(false);
  setCsrfToken(null);
  invalidate();
  $("view").replaceChildren();
  delete document.body.dataset.screen;
  $("main-nav").hidden = true;
  $("agent-tools").hidden = true;
  $("logout").hidden = true;
  showLogin(loggedIn);
}

async function start() {
  const language = $("language");
  language.replaceChildren(...options(LANGUAGES, lang()));
  // A new language redraws the view, so unsaved changes there are asked about first.
  language.onchange = () => (mayLeave() ? setLang(language.value) : (language.value = lang()));
  translateStatic(document);
  prepareChime();
  startAlertPanel();
  startShortcuts();
  $("logout").onclick = async () => {
    if (!mayLeave()) return;
    await logout();
    loggedOut();
  };
  setUnauthorizedHandler(() => user() && loggedOut());
  onLangChange(() => {
    if (!user()) return;
    translateHeader();
    route(true);
  });
  live.onFrame((frame) => {
    if (frame.type === "error" && frame.code === "session_expired") loggedOut();
    if (frame.type === "message.created" || frame.type === "conversation.updated") refreshSoon();
    current?.instance.frame?.(frame);
    // After the view, which marks what it shows as read.
    attentionFrame(frame);
  });
  window.addEventListener("hashchange", (event) => {
    if (!user()) showLogin(loggedIn);
    // Declined: the address goes back to the view still shown (replaceState fires no hashchange).
    else if (!mayLeave()) history.replaceState(history.state, "", event.oldURL);
    else route();
  });
  try {
    loggedIn(await get("/auth/session"));
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) console.error(error);
    loggedOut();
  }
}

start();
