// The bot profile being edited: the saved profile, and the draft as a document (form view) or
// as YAML text (YAML view), carried across when the view changes by the server's own reader and
// writer (POST /bot/profile/convert). An unchanged draft crosses as the saved profile itself, so
// its YAML keeps its comments. A new draft started from another profile (an inbox's own profile
// from the account's) counts as changed until it is saved.

import { post } from "../api.js";

/** What the form starts from when the account has no profile yet. */
const EMPTY_PROFILE = {
  persona: { name: "", tone: "friendly", greeting: {} },
  languages: { supported: ["pt"], default: "pt" },
  articles: [],
  intents: [],
};
const CONVERT_PATH = "/bot/profile/convert";

const copy = (value) => structuredClone(value);

export function createDraft() {
  let saved = { source: "", document: EMPTY_PROFILE };
  let savedJson = JSON.stringify(saved.document);
  let view = "form";
  let doc = copy(saved.document);
  let source = "";
  /** The draft starts from a profile that is not saved where it will be (see reset). */
  let unsaved = false;

  const documentChanged = () => JSON.stringify(doc) !== savedJson;

  return {
    /**
     * Starts over from a saved profile ({source, document}), or from nothing (null); `fresh`: the
     * profile is only where the draft starts from, nothing is saved yet.
     */
    reset(profile, fresh = false) {
      unsaved = fresh;
      saved = profile ? { source: profile.source, document: profile.document } : { source: "", document: EMPTY_PROFILE };
      savedJson = JSON.stringify(saved.document);
      doc = copy(saved.document);
      source = saved.source;
      view = "form";
    },
    view: () => view,
    /** The draft document the form edits in place. */
    document: () => doc,
    source: () => source,
    setSource(text) {
      source = text;
    },
    /** Whether the draft differs from the saved profile. */
    changed: () => unsaved || (view === "form" ? documentChanged() : source !== saved.source),
    /** Switches to the YAML view, the document written as YAML if it was edited. */
    async toYaml() {
      if (view === "yaml") return;
      source = documentChanged() || !saved.source ? (await post(CONVERT_PATH, { document: doc })).source : saved.source;
      view = "yaml";
    },
    /** Switches to the form view; rejects with the server's 422 when the text is not YAML. */
    async toForm() {
      if (view === "form") return;
      doc = source === saved.source ? copy(saved.document) : (await post(CONVERT_PATH, { source })).document;
      view = "form";
    },
    /** The draft as a request body: {document} from the form, {source} from the YAML view. */
    body: () => (view === "form" ? { document: doc } : { source }),
  };
}
