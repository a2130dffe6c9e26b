// The calendar page's first window of events, asked for early. This module imports nothing
// and runs (async, after the page's json_script configuration) as soon as it is in, while
// FullCalendar and calendar.js's graph of modules are still loading: it reads the change
// cursor and GET /api/events for the window FullCalendar is about to show, so the events
// are on their way (or in) by the time the grid asks for them. calendar.js takes them
// (takeFirstWindow) when FullCalendar asks for that very window; any other is fetched as
// usual. Nothing is asked for early while some calendar is hidden (the filter needs the
// list of calendars first) or when the user's zone is not one the browser knows.
//
// It also holds what the page remembers in this browser: the view last chosen and the
// calendars hidden (calendar.js and calendar_list.js read them here).

export const VIEW_KEY = "calsync.calendar.view";
export const VIEWS = ["dayGridMonth", "timeGridWeek", "timeGridDay", "listWeek"];
export const HIDDEN_KEY = "calsync.calendars.hidden";
const DAY = 86400000;

/** The calendar ids hidden in this browser (localStorage). */
export function readHidden() {
  try {
    const saved = JSON.parse(window.localStorage.getItem(HIDDEN_KEY) || "[]");
    return new Set(Array.isArray(saved) ? saved.filter(Number.isInteger) : []);
  } catch {
    return new Set();
  }
}

/** The view shown first: the day on a phone, else the one last chosen (month by default). */
export function startView() {
  if (window.matchMedia("(max-width: 640px)").matches) return "timeGridDay";
  const saved = window.localStorage.getItem(VIEW_KEY);
  return VIEWS.includes(saved) ? saved : "dayGridMonth";
}

/**
 * The range FullCalendar shows first in `view` on the day of the wall value `today`, weeks
 * starting on `firstDay` (0 Sunday): {start, end} wall values (see tz.js) of midnights. A
 * month is the six weeks from the week of its 1st (fixedWeekCount), a week view its week,
 * the day view its day.
 */
export function firstRange(view, today, firstDay) {
  const day = Math.floor(today / DAY) * DAY;
  const weekOf = (wall) => wall - ((new Date(wall).getUTCDay() - firstDay + 7) % 7) * DAY;
  let start = weekOf(day);
  let days = 7;
  if (view === "dayGridMonth") {
    const d = new Date(day);
    [start, days] = [weekOf(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)), 42];
  } else if (view === "timeGridDay") {
    [start, days] = [day, 1];
  }
  return { start, end: start + days * DAY };
}

/** Today's midnight in `zone` as a wall value; throws RangeError for an unknown zone. */
function todayIn(zone) {
  const parts = {};
  const format = new Intl.DateTimeFormat("en-US", { timeZone: zone, year: "numeric", month: "numeric", day: "numeric" });
  for (const { type, value } of format.formatToParts(new Date())) parts[type] = Number(value);
  return Date.UTC(parts.year, parts.month - 1, parts.day);
}

const isoDay = (wall) => new Date(wall).toISOString().slice(0, 10);

async function readJson(url) {
  const answer = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
  return answer.json();
}

let early = null;

function askEarly() {
  const element = document.getElementById("calendar-config");
  if (!element || readHidden().size) return;
  const config = JSON.parse(element.textContent);
  let today;
  try {
    today = todayIn(config.timeZone);
  } catch {
    return; // no zone the browser knows: calendar.js picks one and fetches as usual
  }
  const range = firstRange(startView(), today, config.firstDay || 0);
  // the window's days in the user's zone (the API reads them as its midnights)
  const params = new URLSearchParams({
    start: isoDay(range.start), end: isoDay(range.end), timezone: config.timeZone, brief: "true",
  });
  early = {
    ...range,
    zone: config.timeZone,
    // both at once, as a page that asks later does: a change the events miss moves the cursor
    parts: readJson(config.changesUrl).then((cursor) => cursor.parts || null, () => null),
    // a failure is left to the usual fetch, which reports it (the page's strings and error
    // handling are not loaded yet here)
    events: readJson(`${config.eventsUrl}?${params}`).catch(() => null),
  };
}

/**
 * The early window when FullCalendar's `range` ({start, end} wall Dates) in `zone` is the
 * one asked for early and its answer came, else null; once only (a later window is fetched
 * fresh). Resolves to {parts: the change cursor read with the events (null when unread),
 * events: the API's answer}.
 */
export async function takeFirstWindow(range, zone) {
  const taken = early;
  early = null;
  const same = taken && taken.zone === zone
    && taken.start === range.start.getTime() && taken.end === range.end.getTime();
  if (!same) return null;
  const events = await taken.events;
  return events === null ? null : { parts: await taken.parts, events };
}

askEarly();
