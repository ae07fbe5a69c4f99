// An editable list of the bot profile (intents, articles, slots, label rules): each item a
// collapsible card with move up / move down / remove, and an add button. The list re-renders
// after each change of order, so every card's data-path names its current index.

import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { errorSlot, getAt, pathText, setAt } from "./bot-form-fields.js";

/**
 * spec: {itemClass, addId, addLabel, title(item) → text, create() → new item,
 * render(item, itemPath, retitle()) → nodes}.
 * Returns {el, items(), cards(), rerender()}.
 */
export function editableList(ctx, path, spec) {
  const opened = new WeakSet();
  const body = h("div", { class: "bot-list-items" });
  const add = h("button", { type: "button", id: spec.addId, class: "bot-list-add", text: spec.addLabel });
  const el = h("div", { class: "bot-list", attrs: { "data-path": pathText(path) } }, errorSlot(), body, add);

  const items = () => {
    const list = getAt(ctx.doc, path);
    return Array.isArray(list) ? list : [];
  };

  function move(from, to) {
    const list = items();
    const [item] = list.splice(from, 1);
    list.splice(to, 0, item);
    ctx.changed();
    rerender();
    body.children[to]?.querySelector(`.bot-item-move-${to < from ? "up" : "down"}`)?.focus();
  }

  function card(item, index, count) {
    const itemPath = [...path, index];
    const title = h("span", { class: "bot-item-title" });
    const retitle = () => (title.textContent = spec.title(item) || t("admin.bot.untitled"));
    retitle();
    const details = h(
      "details",
      { class: `bot-item ${spec.itemClass}`, open: opened.has(item), attrs: { "data-path": pathText(itemPath), "data-index": index } },
      h("summary", {}, title),
      errorSlot(),
    );
    details.addEventListener("toggle", () => (details.open ? opened.add(item) : opened.delete(item)));
    const button = (name, text, disabled, onclick) => h("button", { type: "button", class: `bot-item-${name}`, text, disabled, on: { click: onclick } });
    details.append(
      h("div", { class: "bot-item-body" }, spec.render(item, itemPath, retitle)),
      h(
        "div",
        { class: "bot-item-buttons" },
        button("move-up", t("admin.bot.moveUp"), index === 0, () => move(index, index - 1)),
        button("move-down", t("admin.bot.moveDown"), index === count - 1, () => move(index, index + 1)),
        button("remove", t("admin.bot.remove"), false, () => {
          if (!window.confirm(t("admin.bot.confirmRemove", { name: spec.title(item) || t("admin.bot.untitled") }))) return;
          items().splice(index, 1);
          ctx.changed();
          rerender();
          add.focus();
        }),
      ),
    );
    return details;
  }

  function rerender() {
    const list = items();
    replace(body, list.map((item, index) => card(item, index, list.length)));
  }

  add.onclick = () => {
    if (!Array.isArray(getAt(ctx.doc, path))) setAt(ctx.doc, path, []);
    const item = spec.create();
    items().push(item);
    opened.add(item);
    ctx.changed();
    rerender();
    const last = body.lastElementChild;
    last?.scrollIntoView({ block: "nearest" });
    last?.querySelector(".bot-item-body input, .bot-item-body textarea")?.focus();
  };

  rerender();
  return { el, items, cards: () => [...body.children], rerender };
}
