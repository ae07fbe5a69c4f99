// The settings each channel kind asks for (the shapes of crates/tandem-channels/src/config.rs),
// as field descriptions for the channel form, and the path helpers that read and write them.
//
// A field: {key (its path in the settings, e.g. "smtp.host"), text (its strings:
// channelField.{text}, .{text}.hint and .{text}.{option}), type ("text", "email", "tel",
// "number", "select", "toggle"), required (true, or a function of the settings), secret,
// generate (a button fills in a random value; a required one starts with one), options,
// fallback (the value a new form starts with), placeholder, inputmode, within (the
// key of the toggle that shows it), when ([key, value]: shown while that field has that value),
// optional (left out of the settings when empty)}.
// A heading: {heading: text}.

/** What the server shows instead of a stored secret; sent back, it keeps the stored value. */
export const MASK = "********";

const meta = (kind) => [
  { key: "page_id", text: `${kind}.page_id`, required: true, inputmode: "numeric" },
  { key: "page_access_token", text: `${kind}.page_access_token`, required: true, secret: true },
  { key: "app_secret", text: "meta.app_secret", required: true, secret: true },
  { key: "verify_token", text: "meta.verify_token", required: true, secret: true, generate: true },
];

const twilioAccount = [
  { key: "account_sid", text: "twilio.account_sid", required: true, placeholder: "AC…" },
  { key: "auth_token", text: "twilio.auth_token", required: true, secret: true },
];

/** Both need a login or neither: a relay that takes mail without one leaves both empty. */
const loginPair = (server, other) => (config) => Boolean(config[server]?.[other]);

const mailServer = (server, { port, security, login }) => [
  { key: `${server}.host`, text: `email.${server}.host`, required: true },
  { key: `${server}.port`, text: `email.${server}.port`, type: "number", required: true, fallback: port },
  { key: `${server}.security`, text: "email.security", type: "select", options: ["tls", "starttls", "none"], fallback: security },
  { key: `${server}.username`, text: `email.${server}.username`, required: login || loginPair(server, "password") },
  { key: `${server}.password`, text: `email.${server}.password`, required: login || loginPair(server, "username"), secret: true },
];

export const CHANNEL_FIELDS = {
  whatsapp: [
    { key: "phone_number_id", text: "whatsapp.phone_number_id", required: true, inputmode: "numeric" },
    { key: "access_token", text: "whatsapp.access_token", required: true, secret: true },
    { key: "app_secret", text: "meta.app_secret", required: true, secret: true },
    { key: "verify_token", text: "meta.verify_token", required: true, secret: true, generate: true },
  ],
  messenger: meta("messenger"),
  instagram: meta("instagram"),
  telegram: [
    { key: "bot_token", text: "telegram.bot_token", required: true, secret: true, placeholder: "123456:ABC-DEF…" },
    { key: "secret_token", text: "telegram.secret_token", required: true, secret: true, generate: true },
  ],
  sms: [...twilioAccount, { key: "from_number", text: "twilio.from_number", type: "tel", required: true, placeholder: "+5511987654321" }],
  voice: [
    ...twilioAccount,
    { key: "handover.action", text: "voice.handover", type: "select", options: ["agents", "dial", "enqueue"], fallback: "agents" },
    { key: "handover.queue", text: "voice.queue", required: true, when: ["handover.action", "enqueue"], fallback: "support" },
    { key: "handover.number", text: "voice.number", type: "tel", required: true, when: ["handover.action", "dial"], placeholder: "+5511987654321" },
  ],
  email: [
    { key: "address", text: "email.address", type: "email", required: true },
    { key: "display_name", text: "email.display_name", optional: true },
    { heading: "email.smtp" },
    ...mailServer("smtp", { port: 587, security: "starttls", login: false }),
    { heading: "email.imap" },
    { key: "imap", text: "email.imap.enabled", type: "toggle" },
    ...mailServer("imap", { port: 993, security: "tls", login: true }).map((field) => ({ ...field, within: "imap" })),
    { heading: "email.inbound" },
    { key: "inbound_secret", text: "email.inbound_secret", secret: true, generate: true, optional: true },
  ],
};

/** The fields and headings of a channel kind, in order; none for the kinds without settings (api, web). */
export const channelLayout = (channel) => CHANNEL_FIELDS[channel] || [];

/** Whether inboxes of the kind have settings. */
export const hasSettings = (channel) => channel in CHANNEL_FIELDS;

/** ["smtp", "host"] for "smtp.host". */
const parts = (key) => key.split(".");

export const getAt = (object, key) => parts(key).reduce((node, part) => (node == null ? undefined : node[part]), object);

/** Sets the value at `key`, making the objects on the way; `undefined` removes it. */
export function setAt(object, key, value) {
  const path = parts(key);
  let node = object;
  for (const part of path.slice(0, -1)) {
    if (node[part] == null || typeof node[part] !== "object") node[part] = {};
    node = node[part];
  }
  const last = path[path.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
}

/** A random secret of `length` characters of A-Z a-z 0-9 _ - (what Telegram accepts). */
export function randomSecret(length = 32) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (byte) => alphabet[byte % alphabet.length]).join("");
}
