// The files of the reply box before they are sent: the attach button (a paper clip) and its
// hidden file input, files dropped on an area (highlighted while they are dragged over it) or
// pasted into the text, shown as removable chips. views/reply.js uploads and sends them.

import { h, svg } from "../dom.js";
import { formatSize, t } from "../i18n.js";

const CLIP = "M21.4 11.1l-8.5 8.5a5.5 5.5 0 0 1-7.8-7.8l8.5-8.5a3.7 3.7 0 0 1 5.2 5.2l-8.5 8.5a1.8 1.8 0 0 1-2.6-2.6l7.8-7.8";

/**
 * `initial`: files chosen earlier (the conversation's draft); `changed(files)` is called whenever
 * the list changes.
 */
export function createFilePicker(initial, changed) {
  let files = [...(initial || [])];
  const uploading = new Set();
  const input = h("input", { type: "file", class: "attach-input", multiple: true, hidden: true, attrs: { "data-testid": "attach-input" } });
  const button = h(
    "button",
    { type: "button", class: "attach-button icon-button", title: t("reply.attach"), attrs: { "aria-label": t("reply.attach"), "data-testid": "attach-button" } },
    svg("svg", { class: "icon", viewBox: "0 0 24 24", "aria-hidden": "true", focusable: "false" }, svg("path", { d: CLIP })),
  );
  const chips = h("ul", { class: "attach-chips", hidden: true, attrs: { "aria-label": t("reply.files") } });

  function paint() {
    chips.replaceChildren(...files.map(chip));
    chips.hidden = !files.length;
  }

  function chip(file) {
    const busy = uploading.has(file);
    const size = formatSize(file.size);
    return h(
      "li",
      { class: busy ? "attach-chip attach-chip-uploading" : "attach-chip", attrs: { "aria-busy": busy ? "true" : null } },
      h("span", { class: "attach-chip-name", text: file.name || t("attachment.other"), title: file.name }),
      size && h("span", { class: "attach-chip-size", text: size }),
      busy && h("span", { class: "attach-chip-state", text: t("reply.uploading") }),
      h("button", {
        type: "button",
        class: "attach-chip-remove",
        text: "×",
        disabled: busy,
        attrs: { "aria-label": t("reply.removeFile", { name: file.name || t("attachment.other") }) },
        on: { click: () => remove(file) },
      }),
    );
  }

  function add(list) {
    const picked = [...list].filter((file) => file instanceof Blob);
    if (!picked.length) return;
    files = files.concat(picked);
    paint();
    changed(files);
  }

  function remove(file) {
    files = files.filter((other) => other !== file);
    uploading.delete(file);
    paint();
    changed(files);
    button.focus();
  }

  button.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    add(input.files);
    input.value = ""; // the same file may be chosen again
  });
  paint();

  return {
    button,
    input,
    chips,
    /** The chosen files, in the order they were added. */
    files: () => [...files],
    add,
    /** Takes a file off the list once it was sent. */
    done(file) {
      uploading.delete(file);
      files = files.filter((other) => other !== file);
      paint();
      changed(files);
    },
    /** Marks a file as being uploaded (its chip says so and cannot be removed) or not. */
    busy(file, on) {
      if (on) uploading.add(file);
      else uploading.delete(file);
      paint();
    },
    /** Files dragged over `area` highlight it (with a "drop files" label) and dropped on it are added. */
    acceptDrops(area) {
      let depth = 0; // dragenter/dragleave pairs of the area's children
      const light = (on) => area.classList.toggle("drop-active", on);
      area.dataset.dropLabel = t("reply.dropFiles");
      area.addEventListener("dragenter", (event) => {
        if (!carriesFiles(event)) return;
        event.preventDefault();
        depth++;
        light(true);
      });
      area.addEventListener("dragover", (event) => {
        if (!carriesFiles(event)) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
      });
      area.addEventListener("dragleave", (event) => {
        if (!carriesFiles(event)) return;
        depth = Math.max(0, depth - 1);
        if (!depth) light(false);
      });
      area.addEventListener("drop", (event) => {
        if (!carriesFiles(event)) return;
        event.preventDefault();
        depth = 0;
        light(false);
        add(event.dataTransfer.files);
      });
    },
    /** Files pasted into `field` are added; see pastedFiles for when a paste is text instead. */
    acceptPaste(field) {
      field.addEventListener("paste", (event) => {
        const pasted = pastedFiles(event.clipboardData);
        if (!pasted.length) return;
        event.preventDefault();
        add(pasted);
      });
    },
  };
}

const carriesFiles = (event) => Boolean(event.dataTransfer) && [...event.dataTransfer.types].includes("Files");

/**
 * The files of a paste: a screenshot, a picture copied in a browser, a file copied in a file
 * manager. Text copied from an office program brings a picture of itself along with the text and
 * its HTML: that paste is the text.
 */
function pastedFiles(data) {
  if (!data) return [];
  const types = [...data.types];
  if (types.includes("text/plain") && types.includes("text/html")) return [];
  const files = [...data.files];
  if (files.length) return files;
  return [...data.items].filter((item) => item.kind === "file").map((item) => item.getAsFile()).filter(Boolean);
}
