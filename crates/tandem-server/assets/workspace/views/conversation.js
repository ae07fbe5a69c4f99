// One conversation: header with labels and actions, transcript, reply box (with the copilot's toolbar when
// the AI layer offers it; files dropped anywhere on the conversation go to it), and the context panel.

import { get, getAll, post, put } from "../api.js";
import * as directory from "../directory.js";
import { h, replace } from "../dom.js";
import { t, tv } from "../i18n.js";
import { errorText, toast } from "../notify.js";
import { user } from "../session.js";
import { markSeen } from "../unread.js";
import { createContextPanel } from "./context.js";
import { createCopilot } from "./copilot.js";
import { labelChips, labelsDialog, parseLabels } from "./labels.js";
import { createReplyBox } from "./reply.js";
import { createTranscript } from "./transcript.js";
import { transferDialog } from "./transfer.js";

/** `hooks.changed(conv)` reports a new state to the list; `hooks.seen()` that it was read. */
export function mount(root, id, hooks) {
  let conv = null;
  let alive = true;
  let names = null;
  let transcript = null;
  let context = null;
  const header = h("div", { class: "conversation-header" });
  const actions = h("div", { class: "conversation-actions" });
  const body = h("div", { class: "conversation-view", attrs: { "data-conversation-id": id } }, h("p", { class: "empty-note", text: t("common.loading") }));
  root.append(body);

  const buttons = {
    assign: action("action-assign-me", "action.assignMe", () => post(`/conversations/${id}/assign`)),
    transfer: action("action-transfer", "action.transfer", () => transferDialog(id)),
    handBack: action("action-hand-back", "action.handBack", () => post(`/conversations/${id}/hand_back_to_bot`)),
    resolve: action("action-resolve", "action.resolve", () => post(`/conversations/${id}/resolve`)),
    reopen: action("action-reopen", "action.reopen", () => post(`/conversations/${id}/reopen`)),
    labels: action("action-labels", "labels.edit", editLabels),
  };
  actions.append(...Object.values(buttons));

  /** The labels dialog; on save the header's chips and the list's row show the server's labels. */
  async function editLabels() {
    const saved = await labelsDialog({
      id: "labels",
      title: t("labels.title"),
      label: t("labels.field"),
      hint: t("labels.hint"),
      value: (conv.labels || []).join(", "),
      save: (text) => put(`/conversations/${id}/labels`, { labels: parseLabels(text) }),
    });
    if (saved && alive) apply({ ...conv, labels: saved.labels });
    return null;
  }

  function action(elementId, label, run) {
    const button = h("button", { type: "button", id: elementId, text: t(label) });
    button.onclick = async () => {
      button.disabled = true;
      try {
        const change = await run();
        if (change) apply(change.conversation, change.events);
      } catch (e) {
        toast(errorText(e));
      } finally {
        button.disabled = false;
      }
    };
    return button;
  }

  /** Shows only the actions the status allows. */
  function paintActions() {
    const open = conv.status !== "resolved";
    const mine = conv.status === "assigned" && conv.assignee_id === user().id;
    buttons.assign.hidden = !open || mine;
    buttons.transfer.hidden = !open;
    buttons.handBack.hidden = !(conv.status === "queued" || conv.status === "assigned");
    buttons.resolve.hidden = !open;
    buttons.reopen.hidden = open;
  }

  function paintHeader() {
    const channel = names.channel;
    const assignee = conv.assignee_id ? names.user(conv.assignee_id) : t("conversation.unassigned");
    replace(
      header,
      h(
        "div",
        { class: "conversation-title" },
        h("h2", { text: names.contact }),
        channel && h("span", { class: `channel-badge channel-${channel}`, text: tv("channel", channel) }),
        h("span", { class: `status-badge status-${conv.status}`, id: "conversation-status", text: tv("status", conv.status) }),
        h("span", { class: "conversation-assignee", text: t("conversation.assignee", { name: assignee }) }),
        conv.team_id && h("span", { class: "conversation-team", text: names.team(conv.team_id) }),
      ),
      h("div", { id: "conversation-labels", class: "conversation-labels", hidden: !conv.labels?.length }, labelChips(conv.labels)),
      actions,
    );
    paintActions();
  }

  /** Takes a new state of the conversation; one without labels (frames, actions) keeps the ones
   * it had. */
  function apply(next, events = []) {
    if (!next || next.id !== id) return;
    if (next.labels === undefined && conv?.labels) next = { ...next, labels: conv.labels };
    const statusChanged = !conv || conv.status !== next.status || conv.assignee_id !== next.assignee_id || conv.team_id !== next.team_id;
    conv = next;
    paintHeader();
    for (const event of events) if (typeof event === "object") transcript.addEvent(event);
    if (statusChanged) context.refresh(conv);
    hooks.changed(conv);
  }

  /** The event log, for frames that only name the events they recorded. */
  async function reloadEvents() {
    const events = (await get(`/conversations/${id}/events`)).data;
    if (alive) for (const event of events) transcript.addEvent(event);
  }

  function seen(latest) {
    markSeen(id, latest);
    hooks.seen();
  }

  async function load() {
    const [loaded, messages, events, users, teams, inboxes, ai] = await Promise.all([
      get(`/conversations/${id}`),
      getAll(`/conversations/${id}/messages`),
      get(`/conversations/${id}/events`).then((r) => r.data),
      directory.users(),
      directory.teams(),
      directory.inboxes(),
      directory.aiCapabilities().catch(() => ({ copilot: false, translation: false })),
    ]);
    const contact = await directory.contact(loaded.contact_id);
    if (!alive) return;
    const userNames = directory.byId(users);
    const teamNames = directory.byId(teams);
    names = {
      contact: directory.contactName(contact),
      channel: inboxes.find((inbox) => inbox.id === loaded.inbox_id)?.channel,
      user: (userId) => (userId ? userNames.get(userId)?.name || userId.slice(0, 8) : "—"),
      team: (teamId) => (teamId ? teamNames.get(teamId)?.name || teamId.slice(0, 8) : "—"),
    };
    transcript = createTranscript(names, { translation: Boolean(ai.translation) });
    transcript.reset(messages, events);
    let copilot = null;
    const reply = createReplyBox(
      id,
      (result) => {
        transcript.addMessage(result.message);
        apply(result.conversation, result.events);
        seen(result.message.created_at);
        copilot?.clear();
      },
      { translation: Boolean(ai.translation) },
    );
    context = createContextPanel((text) => reply.fill(text));
    if (ai.copilot) copilot = createCopilot(id, reply, context);
    const main = h("div", { class: "conversation-main" }, header, transcript.el, reply.el);
    reply.acceptDrops(main);
    replace(body, main, context.el);
    conv = loaded;
    paintHeader();
    transcript.scrollToEnd();
    context.load(conv, contact);
    seen(messages[messages.length - 1]?.created_at);
  }

  load().catch((e) => {
    if (alive) replace(body, h("p", { class: "form-error", text: errorText(e) }));
  });

  return {
    frame(frame) {
      if (!conv) return;
      if (frame.type === "resync") {
        const ignore = () => {}; // the list shows connection problems
        getAll(`/conversations/${id}/messages`).then((messages) => alive && messages.forEach(transcript.addMessage), ignore);
        get(`/conversations/${id}`).then((next) => alive && apply(next), ignore);
        reloadEvents().catch(ignore);
        return;
      }
      if (frame.type === "message.created") {
        transcript.addMessage(frame.message);
        seen(frame.message.created_at);
      }
      if (frame.type === "message.updated") transcript.updateMessage(frame.message);
      if (frame.handover_context) context.showHandover(frame.handover_context);
      apply(frame.conversation);
      if (frame.events?.length) reloadEvents().catch(() => {});
    },
    unmount() {
      alive = false;
      context?.destroy();
    },
  };
}
