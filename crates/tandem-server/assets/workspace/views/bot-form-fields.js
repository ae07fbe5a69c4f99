// The bot profile form's fields: each one bound to a path of the draft document (read from it,
// written to it on every input), marked with data-path for validation errors, with a
// .bot-field-error slot. `ctx` is {doc, languages, changed()}.

import { h, options } from "../dom.js";
import { t, tv } from "../i18n.js";

let lastId = 0;
const nextId = () => `bot-field-${++lastId}`;

/** "intents[2].examples.pt" for ["intents", 2, "examples", "pt"]. */
export function pathText(path) {
  return path.reduce((text, part) => (typeof part === "number" ? `${text}[${part}]` : text ? `${text}.${part}` : part), "");
}

export function getAt(doc, path) {
  return path.reduce((node, key) => (node == null ? undefined : node[key]), doc);
}

/** Sets the value at `path`, making the objects on the way; `undefined` removes the key. */
export function setAt(doc, path, value) {
  let node = doc;
  for (const key of path.slice(0, -1)) {
    if (node[key] == null || typeof node[key] !== "object") node[key] = {};
    node = node[key];
  }
  const last = path[path.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
}

/** The slot a validation error of this field is written into. */
export const errorSlot = () => h("p", { class: "field-error bot-field-error", hidden: true, attrs: { role: "alert" } });

/** A labelled row for one control. */
function row(path, label, control, hint, extraClass = "") {
  const id = control.id || (control.id = nextId());
  const labelEl = h("label", { attrs: { for: id }, text: label });
  const isCheck = control.type === "checkbox";
  return h(
    "div",
    { class: `form-row bot-field ${isCheck ? "checkbox-row" : ""} ${extraClass}`.trim(), attrs: { "data-path": pathText(path) } },
    isCheck ? [control, labelEl] : [labelEl, control],
    hint && h("small", { class: "hint", text: hint }),
    errorSlot(),
  );
}

/**
 * A text input. `whenEmpty` says what an emptied field becomes: "" (the default), "null", or
 * "remove" (the key goes, and its default applies).
 */
export function textField(ctx, path, { label, className, hint, whenEmpty = "", placeholder, list, onInput }) {
  const input = h("input", { type: "text", class: className, value: getAt(ctx.doc, path) ?? "", placeholder: placeholder || "", attrs: { list } });
  const empty = { "": "", null: null, remove: undefined }[whenEmpty];
  input.addEventListener("input", () => {
    const value = input.value;
    setAt(ctx.doc, path, value.trim() ? value : empty);
    onInput?.(value);
    ctx.changed();
  });
  return row(path, label, input, hint);
}

/** A number input that shows the default as its placeholder; emptied, the key is removed. */
export function numberField(ctx, path, { label, fallback, min, max, step = "any", className, hint }) {
  const value = getAt(ctx.doc, path);
  const input = h("input", { type: "number", class: className, value: value ?? "", placeholder: fallback ?? "", attrs: { min, max, step, inputmode: "decimal" } });
  input.addEventListener("input", () => {
    if (input.value === "") setAt(ctx.doc, path, undefined);
    else if (!Number.isNaN(input.valueAsNumber)) setAt(ctx.doc, path, input.valueAsNumber);
    ctx.changed();
  });
  return row(path, label, input, hint, "bot-number");
}

export function checkField(ctx, path, { label, fallback = false, className, hint, onChange }) {
  const input = h("input", { type: "checkbox", class: className, checked: getAt(ctx.doc, path) ?? fallback });
  input.addEventListener("change", () => {
    setAt(ctx.doc, path, input.checked);
    onChange?.(input.checked);
    ctx.changed();
  });
  return row(path, label, input, hint);
}

/** A select of `choices` ([value, label]). */
export function selectField(ctx, path, { label, choices, fallback, className, onChange }) {
  const select = h("select", { class: className }, options(choices, getAt(ctx.doc, path) ?? fallback));
  select.addEventListener("change", () => {
    setAt(ctx.doc, path, select.value);
    onChange?.(select.value);
    ctx.changed();
  });
  return row(path, label, select);
}

const splitLines = (text) => text.split("\n").map((line) => line.trim()).filter(Boolean);

/** A list of texts, one per line. */
export function linesField(ctx, path, { label, className, hint, rows = 4 }) {
  const area = h("textarea", { class: className, rows, value: (getAt(ctx.doc, path) || []).join("\n"), spellcheck: false });
  area.addEventListener("input", () => {
    setAt(ctx.doc, path, splitLines(area.value));
    ctx.changed();
  });
  return row(path, label, area, hint);
}

/** A comma-separated list of names. */
export function namesField(ctx, path, { label, className, hint }) {
  const input = h("input", { type: "text", class: className, value: (getAt(ctx.doc, path) || []).join(", ") });
  input.addEventListener("input", () => {
    setAt(
      ctx.doc,
      path,
      input.value
        .split(",")
        .map((name) => name.trim())
        .filter(Boolean),
    );
    ctx.changed();
  });
  return row(path, label, input, hint);
}

/**
 * A value per language the profile speaks, side by side: `kind` "text" (one line), "textarea"
 * or "lines" (a list, one per line). A language left empty is removed from the map; an
 * `optional` map left with no language becomes null (the built-in or no value applies).
 */
export function localizedField(ctx, path, { label, kind = "textarea", className, hint, optional = false, rows = 3 }) {
  const columns = ctx.languages.map((language) => {
    const id = nextId();
    const stored = getAt(ctx.doc, [...path, language]);
    const text = kind === "lines" ? (stored || []).join("\n") : stored ?? "";
    const attrs = { "data-lang": language };
    const control =
      kind === "text"
        ? h("input", { type: "text", id, class: className, value: text, attrs })
        : h("textarea", { id, class: className, value: text, rows: kind === "lines" ? Math.max(rows, 5) : rows, attrs });
    control.addEventListener("input", () => {
      write(language, kind === "lines" ? splitLines(control.value) : control.value);
      ctx.changed();
    });
    return h("div", { class: "bot-lang-column" }, h("label", { class: "bot-lang-label", attrs: { for: id }, text: tv("language", language) }), control);
  });

  function write(language, value) {
    const empty = kind === "lines" ? value.length === 0 : !value.trim();
    let map = getAt(ctx.doc, path);
    if (map == null || typeof map !== "object") {
      if (empty) return;
      map = {};
      setAt(ctx.doc, path, map);
    }
    if (empty) delete map[language];
    else map[language] = value;
    if (optional && Object.keys(map).length === 0) setAt(ctx.doc, path, null);
  }

  return h(
    "fieldset",
    { class: "bot-localized bot-field", attrs: { "data-path": pathText(path) } },
    h("legend", { text: label }),
    h("div", { class: "bot-lang-columns" }, columns),
    hint && h("small", { class: "hint", text: hint }),
    errorSlot(),
  );
}

/** A titled part of the form; errors under `path` (if any) not shown by a field inside land here. */
export function section(path, title, ...children) {
  return h("section", { class: "bot-form-section", attrs: { "data-path": path && pathText(path) } }, h("h3", { text: title }), path && errorSlot(), children);
}

/** A hint paragraph. */
export const note = (key) => h("p", { class: "hint", text: t(key) });
