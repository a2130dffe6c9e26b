// An ended session, handled gracefully: a write refused because the session is gone sends the
// person to the login page and back, and the editor's unsaved dialog is kept meanwhile
// (sessionStorage, this tab only) and reopened after the login.

const KEY = "calsync.unsaved-dialog";

/** Whether the browser's session has ended (GET /api/me is refused). */
export async function sessionEnded() {
  try {
    const answer = await fetch("/api/me", { credentials: "same-origin", headers: { Accept: "application/json" } });
    return answer.status === 401 || answer.status === 403;
  } catch {
    return false;
  }
}

/** Go to the login page, coming back here afterwards. */
export function goToLogin(loginUrl) {
  const here = `${window.location.pathname}${window.location.search}`;
  window.location.assign(`${loginUrl}?next=${encodeURIComponent(here)}`);
}

/** Keep a draft of the dialog for after the login. */
export function keepDraft(draft) {
  window.sessionStorage.setItem(KEY, JSON.stringify(draft));
}

/** The kept draft (once: it is forgotten as it is taken), or null. */
export function takeDraft() {
  const raw = window.sessionStorage.getItem(KEY);
  window.sessionStorage.removeItem(KEY);
  try {
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

/** The values of a form's fields, by id (or name=value for check boxes without an id). */
export function fieldValues(form) {
  const values = {};
  for (const field of form.querySelectorAll("input, select, textarea")) {
    if (field.type === "hidden" || field.type === "submit" || field.type === "button") continue;
    const key = field.id || `${field.name}=${field.value}`;
    values[key] = field.type === "checkbox" || field.type === "radio" ? field.checked : field.value;
  }
  return values;
}

/** Put back values saved by fieldValues. */
export function restoreFieldValues(form, values) {
  for (const field of form.querySelectorAll("input, select, textarea")) {
    const key = field.id || `${field.name}=${field.value}`;
    if (!(key in values)) continue;
    if (field.type === "checkbox" || field.type === "radio") field.checked = Boolean(values[key]);
    else field.value = values[key];
  }
}
