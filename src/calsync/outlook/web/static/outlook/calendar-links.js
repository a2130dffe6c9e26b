// The Outlook panel's "Outlook calendars": the mailbox's calendars (GET /api/outlook/calendars)
// with, for each one but the default, the calsync calendar it is linked to and the mode
// (PUT /api/outlook/calendars/<id>; "Not linked" removes the link: DELETE), and each link's
// health (docs/contract.md, REST API). Read when the section is opened, and again after a
// save; the panel may be swapped in anew at any time (sync-progress.js), so the section is
// found through the document each time.
import { ApiError, fieldErrors, request } from "../calendars/api.js";

const SECTION = "outlook-calendars";
/** Modes a calendar shared read-only does not allow (it can only be read from Outlook). */
const READ_WRITE_ONLY = new Set(["two-way", "redacted"]);

function modes() {
  return [
    ["", gettext("Not linked")],
    ["two-way", gettext("Both ways")],
    ["from-outlook", gettext("From Outlook only")],
    ["busy", gettext("Busy times only")],
    ["redacted", gettext("Titles and times only")],
    ["off", gettext("Off")],
  ];
}

function modeHelp(mode) {
  if (mode === "two-way") return gettext("Changes go both ways.");
  if (mode === "from-outlook") {
    return gettext("Outlook's changes arrive here; changes made here are not sent to Outlook.");
  }
  const stopping = gettext("Another mode, or unlinking, deletes these copies on both sides.");
  if (mode === "busy") {
    return `${gettext("Each side's events are copied to the other as “Busy”, with their times only.")} ${stopping}`;
  }
  if (mode === "redacted") {
    return `${gettext("Each side's events are copied to the other with their title and times only.")} ${stopping}`;
  }
  if (mode === "off") return gettext("Nothing syncs, and the calendar syncs with no other Outlook calendar.");
  return "";
}

function element(tag, props = {}, children = []) {
  const el = Object.assign(document.createElement(tag), props);
  el.append(...children);
  return el;
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString(document.documentElement.lang || undefined) : "";
}

/** The link's health in words. */
function health(link) {
  if (!link) return "";
  if (link.status === "ok") {
    return interpolate(gettext("Synced %(when)s"), { when: when(link.last_synced_at) }, true);
  }
  if (link.status === "failed") {
    const reason = link.last_error || gettext("unknown error");
    return interpolate(gettext("Failed: %(reason)s"), { reason }, true);
  }
  if (link.status === "off") return gettext("Off");
  return gettext("Not synced yet");
}

function select(name, label, options, value) {
  const box = element("select", { name });
  for (const [optionValue, text, disabled] of options) {
    box.append(element("option", { value: String(optionValue), textContent: text, disabled: !!disabled }));
  }
  box.value = String(value ?? "");
  return element("label", { className: "link-field" }, [element("span", { textContent: label }), box]);
}

function describe(calendar) {
  const parts = [];
  if (calendar.owner && calendar.owner.email) parts.push(calendar.owner.email);
  if (!calendar.can_edit) parts.push(gettext("read-only"));
  return parts.join(", ");
}

function defaultRow(calendar) {
  return element("li", { className: "calendar-link is-default" }, [
    element("strong", { className: "link-name", textContent: calendar.name }),
    element("p", { className: "status muted", textContent: gettext("Default calendar: syncs both ways with every calendar not linked to another one.") }),
    element("p", { className: "status link-health", textContent: health(calendar.link) }),
  ]);
}

function row(calendar, mine) {
  if (calendar.is_default) return defaultRow(calendar);
  const link = calendar.link;
  const options = mine.map((c) => [c.id, c.name || gettext("Calendar")]);
  const modeOptions = modes().map(([value, text]) => [value, text, READ_WRITE_ONLY.has(value) && !calendar.can_edit]);
  const calendarField = select("calendar", gettext("Calendar"), options, link ? link.calendar : mine[0] && mine[0].id);
  const modeField = select("mode", gettext("Mode"), modeOptions, link ? link.mode : "");
  const help = element("p", { className: "status muted link-help", textContent: modeHelp(link ? link.mode : "") });
  modeField.querySelector("select").addEventListener("change", (change) => {
    help.textContent = modeHelp(change.target.value);
  });
  const save = element("button", { type: "button", className: "btn btn-small", textContent: gettext("Save") });
  const problem = element("p", { className: "status warning link-error", hidden: true, role: "alert" });
  const item = element("li", { className: "calendar-link" }, [
    element("strong", { className: "link-name", textContent: calendar.name }),
    element("span", { className: "muted link-owner", textContent: describe(calendar) }),
    calendarField, modeField, help, save, problem,
    element("p", { className: `status link-health${link && link.status === "failed" ? " warning" : ""}`, textContent: health(link) }),
  ]);
  item.dataset.outlookId = calendar.id;
  save.addEventListener("click", () => store(item, calendar, problem, save));
  return item;
}

async function store(item, calendar, problem, button) {
  const mode = item.querySelector("select[name=mode]").value;
  const url = `/api/outlook/calendars/${encodeURIComponent(calendar.id)}`;
  button.disabled = true;
  problem.hidden = true;
  try {
    if (mode) {
      const wanted = Number(item.querySelector("select[name=calendar]").value);
      await request("PUT", url, { calendar: wanted, mode });
    } else if (calendar.link) {
      await request("DELETE", url);
    }
    await load();
  } catch (error) {
    const fields = error instanceof ApiError ? fieldErrors(error.body) : {};
    const messages = Object.values(fields).flat();
    problem.textContent = messages.join(" ") || error.message;
    problem.hidden = false;
    button.disabled = false;
  }
}

/** Read the mailbox's calendars and the user's, and draw the list. */
export async function load() {
  const section = document.getElementById(SECTION);
  if (!section) return;
  const list = section.querySelector("[data-calendar-links]");
  list.setAttribute("aria-busy", "true");
  try {
    const [outlook, mine] = await Promise.all([
      request("GET", "/api/outlook/calendars"),
      request("GET", "/api/calendars"),
    ]);
    list.replaceChildren(...outlook.map((calendar) => row(calendar, mine)));
  } catch (error) {
    list.replaceChildren(element("li", { className: "status warning", textContent: error.message }));
  } finally {
    list.removeAttribute("aria-busy");
  }
}

document.addEventListener("toggle", (event) => {
  if (event.target.id === SECTION && event.target.open) load();
}, true);
