// Small DOM builders. Text always goes through textContent, never innerHTML.

/**
 * h("div", {id, class, text, attrs: {...}, on: {click}}, ...children)
 * Children may be nodes, strings (added as text), arrays, or null/false (skipped).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  applyProps(el, props);
  append(el, children);
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** The same for SVG elements (attributes only). */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  append(el, children);
  return el;
}

function applyProps(el, props) {
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") el.textContent = String(value);
    else if (key === "class") el.className = value;
    else if (key === "on") for (const [ev, fn] of Object.entries(value)) el.addEventListener(ev, fn);
    else if (key === "attrs") {
      for (const [name, v] of Object.entries(value)) {
        if (name === "style") throw new Error("inline styles are forbidden by the CSP");
        if (v !== undefined && v !== null && v !== false) el.setAttribute(name, v === true ? "" : String(v));
      }
    } else el[key] = value; // DOM properties: id, type, value, checked, disabled, hidden, href...
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** An `<option>` list for a `<select>`: items are [value, label]. */
export function options(items, selected) {
  return items.map(([value, label]) => h("option", { value, text: label, selected: value === selected }));
}

/** A table with a header row; `rows` are `<tr>` elements. */
export function table(headings, rows) {
  return h("table", { class: "data-table" }, h("thead", {}, h("tr", {}, headings.map((text) => h("th", { text })))), h("tbody", {}, rows));
}
