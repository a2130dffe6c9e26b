// The REST API (docs/contract.md, REST API) over fetch: session cookie, X-CSRFToken on unsafe
// methods,
// JSON both ways, and errors as ApiError with the server's field messages.

import { sessionEnded } from "./session.js";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/** The page's CSRF token ("" when absent): the csrf-token meta tag of base.html (the
 * csrftoken cookie is HttpOnly, out of scripts' reach). */
export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") || "" : "";
}

/**
 * A failed request: `status` (0 when the network failed), the parsed body, and `expired`:
 * the session has ended (the person must log in again).
 */
export class ApiError extends Error {
  constructor(status, body, message, expired = false) {
    super(message || `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.expired = expired;
  }
}

/** Send one request; resolves to the parsed JSON (null for an empty body). */
export async function request(method, url, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (!SAFE.has(method)) headers["X-CSRFToken"] = csrfToken();
  let response;
  try {
    response = await fetch(url, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    throw new ApiError(0, null, gettext("The server could not be reached. Check your connection."));
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!response.ok) {
    let message;
    if ((response.status === 401 || response.status === 403) && await sessionEnded()) {
      throw new ApiError(response.status, data, gettext("Your session has ended: log in again."), true);
    }
    if (response.status === 401 || response.status === 403) {
      message = (data && data.detail) || gettext("You are not allowed to do this.");
    } else if (response.status === 404) {
      message = gettext("This event no longer exists. The calendar has been refreshed.");
    } else if (response.status >= 500) {
      message = gettext("The server had a problem. Please try again.");
    } else {
      message = (data && typeof data.detail === "string" && data.detail) || gettext("Please correct the errors below.");
    }
    throw new ApiError(response.status, data, message);
  }
  return data;
}

function collect(value, into, prefix) {
  if (value === null || value === undefined) return;
  if (typeof value === "string") {
    into.push(prefix ? `${prefix}: ${value}` : value);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => {
      const nested = item && typeof item === "object" && !Array.isArray(item);
      collect(item, into, nested ? (prefix ? `${prefix} ${index + 1}` : `#${index + 1}`) : prefix);
    });
  } else if (typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const label = key === "non_field_errors" || key === "detail" ? prefix : (prefix ? `${prefix} ${key}` : key);
      collect(item, into, label);
    }
  } else {
    into.push(String(value));
  }
}

/**
 * {field: [message, ...]} of a DRF error body; messages for the whole form are under
 * "__all__" (from "detail", "non_field_errors", or a bare list or string).
 */
export function fieldErrors(body) {
  const result = {};
  const add = (key, messages) => { if (messages.length) (result[key] ||= []).push(...messages); };
  if (body === null || body === undefined) return result;
  if (typeof body !== "object" || Array.isArray(body)) {
    const messages = [];
    collect(body, messages, "");
    add("__all__", messages);
    return result;
  }
  for (const [key, value] of Object.entries(body)) {
    const messages = [];
    collect(value, messages, "");
    add(key === "detail" || key === "non_field_errors" ? "__all__" : key, messages);
  }
  return result;
}
