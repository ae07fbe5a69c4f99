// A message's attachments in the transcript, each shown for what it is: a picture (a thumbnail
// opening the full file in a new tab), a player for audio and video, a download link with the
// size for documents and other files, the caption under it. A file still being fetched from the
// provider (no file id, no reason it is unavailable) says so, one that could not be says why; a
// location keeps its label. A voice note says that the message's text is its transcript (with the
// language and how sure speech to text was), that it is being transcribed, or why it was not.
// Stored files come from /api/v1/files/{id}; the provider's own address is never linked (but a
// location's).

import { fileUrl } from "../api.js";
import { h, svg } from "../dom.js";
import { formatSize, t, tv } from "../i18n.js";

const PICTURES = new Set(["image", "sticker"]);
const DOCUMENT_ICON = "M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8zm0 0v5h5";

/** The `<ul class="message-attachments">` of `items`, or null when there are none. */
export function attachmentList(items) {
  if (!items || !items.length) return null;
  return h("ul", { class: "message-attachments" }, items.map((item) => h("li", { class: `attachment attachment-${item.kind}` }, attachmentBody(item), caption(item), transcriptNote(item))));
}

/** Whether two attachment lists show the same (a re-rendered message then keeps its players). */
export function sameAttachments(a, b) {
  return JSON.stringify(a || []) === JSON.stringify(b || []);
}

function attachmentBody(item) {
  if (item.kind === "location") return locationLabel(item);
  if (item.unavailable) return stateLine(item, "attachment-unavailable", t("attachment.unavailable", { reason: item.unavailable }));
  if (!item.file_id && (item.media_id || item.url)) {
    return stateLine(item, "attachment-pending", t("attachment.receiving"));
  }
  if (!item.file_id) return plainLabel(item);
  if (PICTURES.has(item.kind)) return picture(item);
  if (item.kind === "audio" || item.kind === "video") return [player(item), fileLink(item)];
  return fileLink(item);
}

/** `<audio controls>` or `<video controls>` (the download link after it serves browsers that
 * cannot play the format). */
function player(item) {
  const attrs = { "aria-label": name(item) };
  return h(item.kind, { class: `attachment-${item.kind}-player`, controls: true, preload: "metadata", src: fileUrl(item.file_id), attrs });
}

/** The file's name, else what kind of file it is. */
const name = (item) => item.file_name || tv("attachment", item.kind);

function picture(item) {
  const url = fileUrl(item.file_id);
  return h(
    "a",
    { class: "attachment-picture", href: url, target: "_blank", rel: "noopener", title: t("attachment.openFull") },
    h("img", { class: "attachment-thumb", src: url, alt: name(item), loading: "lazy", decoding: "async" }),
  );
}

/** A download link: the name (or kind) and the size. */
function fileLink(item) {
  const size = formatSize(item.size_bytes);
  return h(
    "a",
    { class: "attachment-file", href: fileUrl(item.file_id, true), download: item.file_name || "", attrs: { "data-file-id": item.file_id } },
    svg("svg", { class: "icon attachment-file-icon", viewBox: "0 0 24 24", "aria-hidden": "true", focusable: "false" }, svg("path", { d: DOCUMENT_ICON })),
    h("span", { class: "attachment-name", text: name(item) }),
    size && h("span", { class: "attachment-size", text: size }),
  );
}

/** "Image · photo.jpg — " and how it stands (receiving, unavailable). */
function stateLine(item, className, state) {
  const label = [tv("attachment", item.kind), item.file_name].filter(Boolean).join(" · ");
  return h("span", { class: `attachment-state ${className}` }, h("span", { class: "attachment-name", text: label }), " — ", h("span", { class: "attachment-reason", text: state }));
}

/** Kind and name of an attachment with no content to show (the provider named none). */
function plainLabel(item) {
  return h("span", { class: "attachment-state", text: [tv("attachment", item.kind), item.file_name].filter(Boolean).join(" · ") });
}

/** As before files were stored: kind, name and caption, linked when the provider gave a web address. */
function locationLabel(item) {
  const label = [tv("attachment", item.kind), item.file_name, item.caption].filter(Boolean).join(" · ");
  const safe = item.url && /^https?:\/\//i.test(item.url);
  return safe ? h("a", { href: item.url, text: label, target: "_blank", rel: "noopener noreferrer" }) : label;
}

function caption(item) {
  if (!item.caption || item.kind === "location") return null;
  return h("div", { class: "attachment-caption", text: item.caption });
}

/** What speech to text made of a voice note: the message's text is its transcript, it is being
 * transcribed, or why there is none. */
function transcriptNote(item) {
  if (!item.needs_transcription || item.unavailable) return null;
  const done = item.transcription && item.transcription.status === "done";
  const failed = item.transcription && item.transcription.status === "failed";
  let text;
  if (done && item.transcription.confidence != null) {
    text = t("attachment.transcriptSure", { language: item.transcription.language, confidence: Math.round(item.transcription.confidence * 100) });
  } else if (done) {
    text = t("attachment.transcript", { language: item.transcription.language });
  } else if (failed) {
    text = t("attachment.notTranscribed", { reason: item.transcription.reason });
  } else if (item.file_id) {
    text = t("attachment.transcribing");
  } else {
    return null;
  }
  return h("div", { class: `attachment-transcript${failed ? " attachment-unavailable" : ""}`, text });
}
