// REST client for /api/v1: session cookie, CSRF header, JSON bodies, typed errors.

const BASE = "/api/v1";
let csrfToken = null;
let onUnauthorized = () => {};

/**
 * An error body from the server: {code, message, details: [{field, code, message}]}. A body that
 * names one `field` beside its message counts as that one detail.
 */
export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code || "http_" + status;
    this.details = Array.isArray(error.details) ? error.details : [];
    if (!this.details.length && error.field) this.details = [{ field: String(error.field), code: this.code, message: this.message }];
    this.accounts = Array.isArray(error.accounts) ? error.accounts : [];
    /** With `too_many_attempts`: seconds until the next try is allowed. */
    this.retryAfter = Number.isInteger(error.retry_after_seconds) ? error.retry_after_seconds : null;
  }
}

export function setCsrfToken(token) {
  csrfToken = token;
}

/** Called when a request comes back 401 `unauthenticated` (the session ended). */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

/** Sends a request; resolves to the parsed JSON (null for 204). */
async function request(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const response = await fetch(BASE + path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return answer(response, path);
}

/** The parsed JSON of a response (null for an empty body); an ApiError for a failed one. */
async function answer(response, path) {
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    // A wrong password or two-factor code is a 401 too, but leaves the session as it is.
    if (error.code === "unauthenticated" && path !== "/auth/session") onUnauthorized(error);
    throw error;
  }
  return data;
}

export const get = (path) => request("GET", path);
export const post = (path, body) => request("POST", path, body);
export const put = (path, body) => request("PUT", path, body);
export const patch = (path, body) => request("PATCH", path, body);
export const del = (path) => request("DELETE", path);

/**
 * Uploads `file` (a File or Blob) as the raw body of a POST to `path` (e.g.
 * `/conversations/{id}/files`), its name in `?name=`; resolves to the stored file
 * ({id, kind, mime_type, file_name, size_bytes}). Errors as for the other calls (413
 * `file_too_large`, 415 `file_type_not_allowed` carry the server's message).
 */
export async function upload(path, file) {
  const headers = { Accept: "application/json", "Content-Type": file.type || "application/octet-stream" };
  if (csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const response = await fetch(BASE + path + query({ name: file.name || "file" }), {
    method: "POST",
    headers,
    credentials: "same-origin",
    body: file,
  });
  return answer(response, path);
}

/** Where a stored file is served (the session cookie is enough, also in `<img src>`); with
 * `download`, the server always sends it as a download. */
export function fileUrl(id, download = false) {
  return `${BASE}/files/${encodeURIComponent(id)}${download ? "?download=true" : ""}`;
}

/** Builds a query string from the defined values of `params`. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, value);
  }
  const text = search.toString();
  return text ? "?" + text : "";
}

/** Every item of a paged list, following next_cursor (at most `maxPages` pages). */
export async function getAll(path, params = {}, maxPages = 20) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < maxPages; page++) {
    const result = await get(path + query({ ...params, limit: 100, cursor }));
    items.push(...result.data);
    cursor = result.next_cursor;
    if (!cursor) break;
  }
  return items;
}
