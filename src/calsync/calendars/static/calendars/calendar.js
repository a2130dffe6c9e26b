// The calendar page: FullCalendar (month, week, day) fed by GET /api/events, the sidebar's
// mini-calendar, drag and drop, and the event editor. Configuration comes from the
// json_script "calendar-config" (see page_views.py); strings from Django's JS catalog.

import { ApiError, request } from "./api.js";
import { askScope } from "./choice.js";
import { EventEditor, isReadOnly } from "./editor.js";
import { MiniCalendar } from "./minical.js";
import { shiftSeries, timesFromApi, timesFromCalendarEvent, timesToApi } from "./times.js";
import { browserZone } from "./tz.js";

const config = JSON.parse(document.getElementById("calendar-config").textContent);
// The week starts where FullCalendar's locale says (Sunday in English, Monday in Vietnamese).
config.firstDay = firstDayOf(config.language);
const eventUrl = (id) => `${config.eventsUrl}/${encodeURIComponent(id)}`;
const VIEW_KEY = "calsync.calendar.view";
const VIEWS = ["dayGridMonth", "timeGridWeek", "timeGridDay"];
let showArchived = false;
let toastTimer = null;

/** Show a short message in the status line at the bottom of the page. */
function notify(message, kind = "info") {
  const toast = document.getElementById("toast");
  toast.textContent = message;
  toast.dataset.kind = kind;
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toast.hidden = true; }, kind === "error" ? 8000 : 4000);
}

function firstDayOf(language) {
  const locales = (window.FullCalendar && window.FullCalendar.globalLocales) || [];
  const code = language.toLowerCase();
  const locale = locales.find((l) => l.code === code) || locales.find((l) => l.code === code.split("-")[0]);
  return (locale && locale.week && locale.week.dow) || 0;
}

function hasSeries(event) {
  return event.series_id !== null && event.series_id !== undefined;
}

/** A FullCalendar event object for an API event (the API event rides in extendedProps). */
function toCalendarEvent(event) {
  const readOnly = isReadOnly(event, config.user.email);
  const classes = [`show-as-${event.show_as || "busy"}`];
  if (event.active === false) classes.push("is-archived");
  if (readOnly) classes.push("is-readonly");
  if (hasSeries(event) || event.recurrence) classes.push("is-recurring");
  return {
    id: String(event.id),
    title: event.title || gettext("(no title)"),
    start: event.start,
    end: event.end || undefined,
    allDay: Boolean(event.all_day),
    editable: !readOnly,
    classNames: classes,
    extendedProps: { api: event },
  };
}

/** FullCalendar's event source: the API window [start, end), archived ones on request. */
async function loadEvents(info, success, failure) {
  const params = new URLSearchParams({ start: info.startStr, end: info.endStr });
  if (showArchived) params.set("archived", "true");
  try {
    const data = await request("GET", `${config.eventsUrl}?${params}`);
    const list = Array.isArray(data) ? data : (data && (data.results || data.events)) || [];
    success(list.filter((event) => showArchived || event.active !== false).map(toCalendarEvent));
  } catch (error) {
    notify(error.message, "error");
    failure(error);
  }
}

/** A drag or resize: PATCH the times (asking about the series first for an occurrence). */
async function onMove(info) {
  const event = info.event.extendedProps.api;
  const zone = event.timezone || browserZone();
  const before = timesFromApi(event, zone);
  const after = timesFromCalendarEvent(info.event, zone);
  let target = event.id;
  let body = timesToApi(after);
  try {
    if (hasSeries(event)) {
      const scope = await askScope({
        title: gettext("Move recurring event"),
        message: gettext("Move:"),
      });
      if (!scope) {
        info.revert();
        return;
      }
      if (scope === "series") {
        const series = await request("GET", eventUrl(event.series_id));
        body = timesToApi(shiftSeries(timesFromApi(series, zone), before, after));
        target = event.series_id;
      }
    }
    await request("PATCH", eventUrl(target), body);
    notify(gettext("Event moved."));
  } catch (error) {
    info.revert();
    const details = error instanceof ApiError && error.status === 400
      ? Object.values(error.body || {}).flat().filter((m) => typeof m === "string").join(" ") : "";
    notify(details || error.message, "error");
  }
  calendar.refetchEvents();
}

function calendarHeight() {
  // Small screens: the page scrolls, the calendar takes most of a screen; else it fills its box.
  return window.matchMedia("(max-width: 900px)").matches ? Math.max(480, Math.round(window.innerHeight * 0.8)) : "100%";
}

function startView() {
  if (window.matchMedia("(max-width: 640px)").matches) return "timeGridDay";
  const saved = window.localStorage.getItem(VIEW_KEY);
  return VIEWS.includes(saved) ? saved : "dayGridMonth";
}

if (!window.FullCalendar) {
  document.getElementById("calendar").textContent = gettext(
    "The calendar library is missing: run “npm ci” (make install does it) and reload.");
  throw new Error("FullCalendar is not loaded");
}

const editor = new EventEditor({
  config, eventUrl, notify, onChanged: () => calendar.refetchEvents(),
});

const minical = new MiniCalendar(document.getElementById("mini-calendar"), {
  language: config.language,
  firstDay: config.firstDay,
  onPick: (date) => calendar.gotoDate(date),
});

const calendar = new window.FullCalendar.Calendar(document.getElementById("calendar"), {
  locale: config.language,
  initialView: startView(),
  headerToolbar: { left: "prev,next today", center: "title", right: VIEWS.join(",") },
  height: calendarHeight(),
  windowResize: () => calendar.setOption("height", calendarHeight()),
  nowIndicator: true,
  navLinks: true,
  dayMaxEvents: true,
  selectable: true,
  selectMirror: true,
  editable: true,
  eventTimeFormat: { hour: "numeric", minute: "2-digit", meridiem: "short" },
  scrollTime: "08:00:00",
  events: loadEvents,
  loading: (isLoading) => { document.getElementById("calendar-loading").hidden = !isLoading; },
  select: (info) => {
    calendar.unselect();
    editor.openNew({ start: info.start, end: info.end, allDay: info.allDay });
  },
  eventClick: (info) => {
    info.jsEvent.preventDefault();
    editor.openExisting(info.event.extendedProps.api);
  },
  eventDidMount: (info) => {
    const event = info.event.extendedProps.api;
    const el = info.el;
    el.dataset.eventId = String(event.id);
    if (hasSeries(event)) el.dataset.seriesId = String(event.series_id);
    el.title = [info.event.title, event.location].filter(Boolean).join(" · ");
    if (!el.hasAttribute("tabindex")) el.tabIndex = 0;
    el.setAttribute("role", "button");
    el.addEventListener("keydown", (key) => {
      if (key.key === "Enter" || key.key === " ") {
        key.preventDefault();
        editor.openExisting(event);
      }
    });
  },
  eventDrop: onMove,
  eventResize: onMove,
  datesSet: (info) => {
    minical.show(calendar.getDate(), info.start, info.end);
    window.localStorage.setItem(VIEW_KEY, info.view.type);
  },
});
calendar.render();
document.getElementById("calendar").dataset.ready = "true";

document.getElementById("new-event").addEventListener("click", () => {
  const start = new Date();
  start.setMinutes(0, 0, 0);
  start.setHours(start.getHours() + 1);
  editor.openNew({ start, end: new Date(start.getTime() + 3600000), allDay: false });
});

document.getElementById("show-archived").addEventListener("change", (change) => {
  showArchived = change.target.checked;
  calendar.refetchEvents();
});
