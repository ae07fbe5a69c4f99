// The inbox: one list across channels with filters, kept live by WebSocket frames, beside
// the open conversation (#/conversations/{id}). Ticked rows get bulk actions (#bulk-bar); the search
// field above the list (search.js) shows what matches in its place.

import { get, getAll, post, put, query } from "../api.js";
import * as directory from "../directory.js";
import { h, options } from "../dom.js";
import { t, tv } from "../i18n.js";
import { errorText, toast } from "../notify.js";
import { user } from "../session.js";
import { nextClock, routingOf } from "../sla.js";
import { isUnread, markSeen, seenAt } from "../unread.js";
import * as conversationView from "./conversation.js";
import { labelsDialog } from "./labels.js";
import { createRow, paintRow, setRowChecked, tickRow } from "./row.js";
import { leaveView, savedViewsBar } from "./saved-views.js";
import { createSearch } from "./search.js";

const PAGE = 50;
const STATUSES = ["bot", "queued", "assigned", "resolved"];
const CHANNELS = ["web", "api", "whatsapp", "messenger", "instagram", "telegram", "sms", "voice", "email"];
/** The event that tells the filter bar a saved view set the filters (its controls then show them). */
const FILTERS_SET = "filters-set";
// Kept across re-renders (language change, navigation) for the session. A saved view may also set
// a team and an inbox (ids) and names itself in `view` ({id, name}) while it is applied.
const filters = { assignee: "", status: "", channel: "", label: "", teams: false, team: "", inbox: "", view: null };

export function mount(root, openId) {
  const entries = new Map(); // id → {conv, contact, inbox, last, unread, priority, clock, row}
  let inboxes = new Map();
  let myTeams = new Set();
  let cursor = null;
  let loadSeq = 0;
  let current = null; // {id, view}
  let queueTimer = null;
  const checked = new Set(); // ids of the ticked rows

  const list = h("div", { id: "conversation-list", attrs: { role: "list" } });
  const empty = h("p", { class: "empty-note", text: t("inbox.empty"), hidden: true });
  const error = h("p", { class: "form-error", hidden: true });
  const more = h("button", { type: "button", class: "load-more", text: t("inbox.loadMore"), hidden: true });
  more.onclick = () => loadPages(loadSeq).catch(showError);
  const pane = h("section", { id: "conversation-pane", class: "conversation-pane" });
  const filterBar = buildFilters(() => {
    leaveView(filters);
    views.paint();
    reload();
    search.refresh();
  });
  const views = savedViewsBar(filters, () => {
    filterBar.dispatchEvent(new Event(FILTERS_SET));
    reload();
    search.refresh();
  });
  const bulk = buildBulkBar({
    assign: () => runBulk((id) => post(`/conversations/${id}/assign`, {})),
    resolve: () => runBulk((id) => post(`/conversations/${id}/resolve`, {})),
    label: addLabelToChecked,
    clear: clearChecked,
  });
  // The list and what acts on it; the search's results take its place while it has a query.
  const browse = h("div", { class: "inbox-browse" }, bulk.el, error, list, empty, more);
  const search = createSearch({ filters: serverParams, matches, showing: (on) => (browse.hidden = on) });
  filterBar.prepend(search.field);
  root.append(
    h("div", { class: "inbox-layout" }, h("aside", { class: "inbox-sidebar" }, views.el, filterBar, browse, search.results), pane),
  );

  function serverParams() {
    const status = STATUSES.includes(filters.status) ? filters.status : undefined;
    return {
      status,
      assignee_id: filters.assignee || undefined,
      team_id: filters.team || undefined,
      inbox_id: filters.inbox || undefined,
      label: filters.label || undefined,
    };
  }

  function matches(conv) {
    if (filters.status === "open" ? conv.status === "resolved" : filters.status && conv.status !== filters.status) {
      return false;
    }
    const assignee = filters.assignee === "me" ? user().id : filters.assignee;
    if (assignee === "none" ? conv.assignee_id : assignee && conv.assignee_id !== assignee) return false;
    if (filters.team && conv.team_id !== filters.team) return false;
    if (filters.inbox && conv.inbox_id !== filters.inbox) return false;
    if (filters.channel && inboxes.get(conv.inbox_id)?.channel !== filters.channel) return false;
    if (filters.teams && !myTeams.has(conv.team_id)) return false;
    if (filters.label && !(conv.labels || []).includes(filters.label)) return false;
    return true;
  }

  async function reload() {
    const seq = ++loadSeq;
    error.hidden = true;
    try {
      const [allInboxes, teams] = await Promise.all([directory.inboxes(), directory.teamIdsOf(user().id)]);
      inboxes = directory.byId(allInboxes);
      myTeams = teams;
      fillChannelFilter(filterBar, allInboxes);
      refreshLabelFilter(filterBar);
      if (seq !== loadSeq) return;
      entries.clear();
      list.replaceChildren();
      clearChecked();
      cursor = undefined;
      await loadPages(seq);
      refreshQueue();
    } catch (e) {
      showError(e);
    }
  }

  function showError(e) {
    error.textContent = errorText(e);
    error.hidden = false;
  }

  /** Loads pages until enough rows match the client-side filters (or the list ends). */
  async function loadPages(seq) {
    for (let pages = 0; pages < 5 && cursor !== null; pages++) {
      const page = await get("/conversations" + query({ ...serverParams(), limit: PAGE, cursor }));
      if (seq !== loadSeq) return;
      cursor = page.next_cursor;
      for (const conv of page.data) upsert(conv);
      if (entries.size >= PAGE / 2) break;
    }
    more.hidden = cursor === null;
    showEmpty();
  }

  function showEmpty() {
    empty.hidden = entries.size > 0;
  }

  /** Adds, updates, moves or drops the conversation's row; `message` is a new one if any. Frames
   * and actions send conversations without their labels: the row keeps the ones it had. */
  function upsert(conv, message) {
    let entry = entries.get(conv.id);
    if (conv.labels === undefined && entry?.conv.labels) conv = { ...conv, labels: entry.conv.labels };
    if (!matches(conv)) {
      if (entry) {
        entry.row.el.remove();
        entries.delete(conv.id);
        uncheck(conv.id);
        showEmpty();
      }
      return;
    }
    if (!entry) {
      entry = { conv, inbox: inboxes.get(conv.inbox_id), unread: 0, row: createRow(conv.id, toggleChecked) };
      entries.set(conv.id, entry);
      enrich(entry);
    }
    entry.conv = conv;
    entry.priority = conv.priority ?? entry.priority;
    if (message) {
      entry.last = message;
      if (conv.id === current?.id) markSeen(conv.id, message.created_at);
      else if (isUnread(message)) entry.unread += 1;
    }
    paint(entry);
    place(entry);
    showEmpty();
  }

  /** Loads what the list row shows beyond the conversation: contact, preview, unread, SLA. The
   * list's own line (contact_name, last_message) saves the reads when the server sent it. */
  async function enrich(entry) {
    const id = entry.conv.id;
    if (entry.conv.contact_name) {
      entry.contact = { id: entry.conv.contact_id, name: entry.conv.contact_name };
    } else {
      directory
        .contact(entry.conv.contact_id)
        .then((contact) => {
          entry.contact = contact;
          paint(entry);
        })
        .catch(() => {});
    }
    refreshClock(entry);
    if (!entry.inbox) {
      // An inbox created since the list loaded.
      directory.invalidate("inboxes");
      const fresh = await directory.inboxes().catch(() => null);
      if (fresh) inboxes = directory.byId(fresh);
      entry.inbox = inboxes.get(entry.conv.inbox_id);
    }
    if (entry.conv.last_message !== undefined) {
      entry.last = entry.conv.last_message && { ...entry.conv.last_message, conversation_id: id };
      const quiet = !entry.last || Date.parse(entry.last.created_at) <= seenAt(id);
      if (quiet || id === current?.id) {
        entry.unread = 0;
        paint(entry);
        return;
      }
    }
    try {
      const messages = await getAll(`/conversations/${id}/messages`);
      entry.last = messages[messages.length - 1] || null;
      entry.unread = id === current?.id ? 0 : messages.filter(isUnread).length;
      paint(entry);
    } catch {
      // The row stays without a preview.
    }
  }

  async function refreshClock(entry) {
    const open = entry.conv.status === "queued" || entry.conv.status === "assigned";
    const routing = open ? await routingOf(entry.conv.id) : null;
    entry.clock = nextClock(routing?.sla);
    paint(entry);
  }

  /** Priorities come from the queue (waiting conversations) unless the conversation has one. */
  function refreshQueue() {
    clearTimeout(queueTimer);
    queueTimer = setTimeout(async () => {
      try {
        const queue = (await get("/queue")).data;
        const priorities = new Map(queue.map((item) => [item.conversation_id, item.priority]));
        for (const entry of entries.values()) {
          entry.priority = entry.conv.priority ?? priorities.get(entry.conv.id) ?? null;
          paint(entry);
        }
      } catch {
        // Priorities are a hint; the list works without them.
      }
    }, 300);
  }

  function paint(entry) {
    if (entries.get(entry.conv.id) === entry) paintRow(entry.row, entry, entry.conv.id === current?.id);
  }

  /** Keeps rows ordered by last activity, most recent first. */
  function place(entry) {
    const time = Date.parse(entry.conv.last_activity_at);
    const next = [...list.children].find(
      (el) => el !== entry.row.el && Date.parse(entries.get(el.dataset.conversationId)?.conv.last_activity_at) < time,
    );
    if (next) {
      if (entry.row.el.nextSibling !== next) list.insertBefore(entry.row.el, next);
    } else if (list.lastElementChild !== entry.row.el) {
      list.append(entry.row.el);
    }
  }

  function open(id) {
    if (current?.id === id) return;
    current?.view.unmount();
    current = null;
    pane.replaceChildren();
    for (const entry of entries.values()) paint(entry);
    if (!id) {
      pane.append(h("p", { class: "empty-note pane-placeholder", text: t("inbox.pick") }));
      return;
    }
    const view = conversationView.mount(pane, id, {
      changed: (conv) => upsert(conv),
      seen: () => {
        const entry = entries.get(id);
        if (entry) {
          entry.unread = 0;
          paint(entry);
        }
      },
    });
    current = { id, view };
    for (const entry of entries.values()) paint(entry);
  }

  function toggleChecked(id, on) {
    if (on) checked.add(id);
    else checked.delete(id);
    const entry = entries.get(id);
    if (entry) setRowChecked(entry.row, on);
    bulk.paint(checked.size);
  }

  function uncheck(id) {
    if (checked.delete(id)) bulk.paint(checked.size);
  }

  function clearChecked() {
    for (const id of checked) {
      const entry = entries.get(id);
      if (entry) setRowChecked(entry.row, false);
    }
    checked.clear();
    bulk.paint(0);
  }

  /** Runs `call(id)` for each ticked conversation, one after another; resolves to {ok, failed,
   * lastError}. */
  async function runEach(call) {
    const result = { ok: 0, failed: 0, lastError: null };
    bulk.busy(true);
    for (const id of [...checked]) {
      try {
        await call(id);
        result.ok += 1;
      } catch (e) {
        result.failed += 1;
        result.lastError = e;
      }
    }
    bulk.busy(false);
    return result;
  }

  /** After a bulk action: unticks the rows, reloads the list and tells how many succeeded and
   * failed (with the last failure's reason). */
  async function finishBulk({ ok, failed, lastError }) {
    clearChecked();
    await reload();
    const summary = t("bulk.done", { ok, failed });
    toast(failed ? `${summary} ${errorText(lastError)}` : summary, failed ? "error" : "ok");
  }

  async function runBulk(call) {
    await finishBulk(await runEach(call));
  }

  /** Asks for a label and adds it to each ticked conversation (its current labels plus it). */
  async function addLabelToChecked() {
    await labelsDialog({
      id: "bulk-label",
      title: t("bulk.labelTitle", { count: checked.size }),
      label: t("labels.one"),
      save: async (text) => {
        const label = text.trim();
        if (!label) throw new Error(t("labels.required"));
        const result = await runEach(async (id) => {
          const { labels = [] } = await get(`/conversations/${id}`);
          await put(`/conversations/${id}/labels`, { labels: [...labels, label] });
        });
        // A label the server refuses fails everywhere: say why in the dialog, which stays open.
        if (!result.ok && result.lastError?.status === 422) throw result.lastError;
        await finishBulk(result);
        return label;
      },
    });
  }

  const ticker = setInterval(() => {
    for (const entry of entries.values()) if (entry.clock) tickRow(entry.row, entry);
  }, 1000);

  reload();
  open(openId);

  return {
    update: open,
    frame(frame) {
      if (frame.type === "resync") {
        reload();
        current?.view.frame(frame);
        return;
      }
      const conv = frame.conversation;
      if (!conv) return;
      upsert(conv, frame.type === "message.created" ? frame.message : undefined);
      const entry = entries.get(conv.id);
      if (entry && frame.type === "message.updated" && entry.last?.id === frame.message.id) {
        entry.last = frame.message;
        paint(entry);
      }
      if (entry && (frame.type === "conversation.updated" || frame.message?.direction === "outbound")) {
        refreshClock(entry);
      }
      if (frame.type === "conversation.updated") refreshQueue();
      if (current?.id === conv.id) current.view.frame(frame);
    },
    unmount() {
      loadSeq++;
      clearInterval(ticker);
      clearTimeout(queueTimer);
      search.destroy();
      current?.view.unmount();
    },
  };
}

/** The filter bar: toggles mine / my teams / unassigned / queued, status and channel selects. */
function buildFilters(changed) {
  const toggle = (id, label, isOn, flip) => {
    const button = h("button", { type: "button", id, class: "filter-toggle", text: t(label) });
    const paint = () => button.setAttribute("aria-pressed", String(isOn()));
    button.onclick = () => {
      flip();
      sync();
      changed();
    };
    return { button, paint };
  };
  const status = h("select", { id: "filter-status", attrs: { "aria-label": t("inbox.filter.status") } });
  status.append(...options([["", t("inbox.filter.anyStatus")], ["open", t("status.open")], ...STATUSES.map((s) => [s, tv("status", s)])], filters.status));
  status.onchange = () => {
    filters.status = status.value;
    sync();
    changed();
  };
  const channel = h("select", { id: "filter-channel", attrs: { "aria-label": t("inbox.filter.channel") } });
  channel.onchange = () => {
    filters.channel = channel.value;
    changed();
  };
  const label = h("select", { id: "filter-label", attrs: { "aria-label": t("inbox.filter.label") } });
  label.append(...options([["", t("inbox.filter.anyLabel")], ...(filters.label ? [[filters.label, filters.label]] : [])], filters.label));
  label.onchange = () => {
    filters.label = label.value;
    changed();
  };
  const toggles = [
    toggle("filter-mine", "inbox.filter.mine", () => filters.assignee === "me", () => {
      filters.assignee = filters.assignee === "me" ? "" : "me";
    }),
    toggle("filter-teams", "inbox.filter.teams", () => filters.teams, () => {
      filters.teams = !filters.teams;
    }),
    toggle("filter-unassigned", "inbox.filter.unassigned", () => filters.assignee === "none", () => {
      filters.assignee = filters.assignee === "none" ? "" : "none";
    }),
    toggle("filter-queued", "inbox.filter.queued", () => filters.status === "queued", () => {
      filters.status = filters.status === "queued" ? "" : "queued";
    }),
  ];
  function sync() {
    for (const item of toggles) item.paint();
    status.value = filters.status;
  }
  sync();
  const bar = h(
    "div",
    { class: "inbox-filters" },
    h("div", { class: "filter-toggles" }, toggles.map((item) => item.button)),
    h("div", { class: "filter-selects" }, status, channel, label),
  );
  // The channel and label selects are filled again by the reload that follows.
  bar.addEventListener(FILTERS_SET, sync);
  return bar;
}

/** Offers the channels the account has inboxes for. */
function fillChannelFilter(bar, inboxes) {
  const select = bar.querySelector("#filter-channel");
  const present = CHANNELS.filter((channel) => inboxes.some((inbox) => inbox.channel === channel));
  if (filters.channel && !present.includes(filters.channel)) present.push(filters.channel);
  select.replaceChildren(...options([["", t("inbox.filter.anyChannel")], ...present.map((c) => [c, tv("channel", c)])], filters.channel));
}

/** Offers the account's labels (GET /labels), keeping the chosen one even if no longer in use. */
async function refreshLabelFilter(bar) {
  const select = bar.querySelector("#filter-label");
  let used = [];
  try {
    used = (await get("/labels")).data.map((item) => item.label);
  } catch {
    // The filter keeps what it offered.
    return;
  }
  if (filters.label && !used.includes(filters.label)) used.push(filters.label);
  select.replaceChildren(...options([["", t("inbox.filter.anyLabel")], ...used.map((label) => [label, label])], filters.label));
}

/**
 * The bar shown above the list while rows are ticked: how many, Assign to me (#bulk-assign),
 * Resolve (#bulk-resolve), Add label (#bulk-label) and Clear (#bulk-clear). `actions` holds the
 * four handlers. Returns {el, paint(count), busy(on)}.
 */
function buildBulkBar(actions) {
  const count = h("span", { class: "bulk-count", attrs: { "aria-live": "polite" } });
  const button = (id, label, run) => h("button", { type: "button", id, text: t(label), on: { click: run } });
  const buttons = [
    button("bulk-assign", "bulk.assign", actions.assign),
    button("bulk-resolve", "bulk.resolve", actions.resolve),
    button("bulk-label", "bulk.label", actions.label),
    button("bulk-clear", "bulk.clear", actions.clear),
  ];
  const el = h("div", { id: "bulk-bar", class: "bulk-bar", hidden: true }, count, h("div", { class: "bulk-actions" }, buttons));
  return {
    el,
    paint(n) {
      el.hidden = n === 0;
      count.textContent = t("bulk.count", { count: n });
    },
    busy(on) {
      for (const b of buttons) b.disabled = on;
      el.classList.toggle("busy", on);
    },
  };
}
