// The calendar page: FullCalendar (month, week, day, agenda) fed by GET /api/events in the
// user's time zone (clock.js), the sidebar's mini-calendar, click-or-drag creation
// (quick_create.js), moves with Undo, keyboard shortcuts, search, live updates (live.js) and
// the event editor. Configuration comes from the json_script "calendar-config"
// (see page_views.py); strings from Django's JS catalog.

import { ApiError, request } from "./api.js";
import { CalendarList } from "./calendar_list.js";
import { askScope } from "./choice.js";
import { Clock } from "./clock.js";
import { EventEditor } from "./editor.js";
import { applyProps, eventProps } from "./event_props.js";
import { VIEWS, VIEW_KEY, startView, takeFirstWindow } from "./first_window.js";
import { kindOf } from "./kinds.js";
import { LiveUpdates } from "./live.js";
import { MiniCalendar } from "./minical.js";
import { QuickCreate } from "./quick_create.js";
import { goToLogin, takeDraft } from "./session.js";
import { EventSearch } from "./search.js";
import { bindShortcuts } from "./shortcuts.js";
import { shiftSeries, timesFromApi, timesFromCalendarEvent, timesToApi } from "./times.js";
import { Toast } from "./toast.js";
import { browserZone, isValidZone } from "./tz.js";

const config = JSON.parse(document.getElementById("calendar-config").textContent);
if (!isValidZone(config.timeZone)) config.timeZone = browserZone();
const clock = new Clock(config.timeZone, config.language);
const eventUrl = (id) => `${config.eventsUrl}/${encodeURIComponent(id)}`;
const SOURCE_ID = "api";
const SLOT_MS = 30 * 60_000; // the time grid's slot (FullCalendar's default slotDuration)
const DAY_MS = 24 * 60 * 60_000;
const toast = new Toast(document.getElementById("toast"));
const notify = (message, kind = "info", action = null) => toast.show(message, kind, action);
let showArchived = false;
let lastRange = null;

function hasSeries(event) {
  return event.series_id !== null && event.series_id !== undefined;
}

/** FullCalendar props for an API event: the one shared function (event_props.js). */
function toCalendarEvent(event) {
  return eventProps(event, { clock, look: (e) => calendars.look(e) });
}

/** The API's URL for FullCalendar's range (wall Dates) as ISO instants: the events' brief
 * fields (the grid's; the editor reads an event in full when it opens it, openDrawn). */
function windowUrl(range, { archived = false, calendars = null } = {}) {
  const params = new URLSearchParams({
    start: new Date(clock.instant(range.start)).toISOString(),
    end: new Date(clock.instant(range.end)).toISOString(),
    brief: "true",
  });
  if (archived) params.set("archived", "true");
  if (calendars) params.set("calendar", calendars.join(","));
  return `${config.eventsUrl}?${params}`;
}

/** The API events of a window (FullCalendar's range, wall Dates) the page shows: those of
 * the shown calendars, archived ones on request. `early`: the window's answer already asked
 * for (first_window.js), used while no calendar is hidden. */
async function fetchWindow(range, early = null) {
  const data = await calendars.filtered((only) => { // only the sidebar's shown calendars
    if (early && !only) return early;
    return request("GET", windowUrl(range, { archived: showArchived, calendars: only }));
  });
  const list = Array.isArray(data) ? data : [];
  return list.filter((event) => (showArchived || event.active !== false) && calendars.shows(event));
}

/** FullCalendar's event source: the API window [start, end), archived ones on request. The
 * first window may have been asked for early (first_window.js): then the live updates count
 * changes from the cursor read with it. */
async function loadEvents(info, success, failure) {
  const range = { start: info.start, end: info.end };
  lastRange = range;
  try {
    const first = showArchived ? null : await takeFirstWindow(range, config.timeZone);
    const events = await fetchWindow(range, first && first.events);
    performance.mark("calsync:window-fetched"); // User Timing (bench/page_bench.py reads them)
    const props = events.map(toCalendarEvent);
    performance.mark("calsync:window-mapped");
    success(props);
    performance.mark("calsync:window-drawn");
    if (first && first.parts) live.since(first.parts);
  } catch (error) {
    notify(error.message, "error");
    failure(error);
  }
}

const signature = (e) => JSON.stringify([
  e.version, e.updated, e.active, e.start, e.end, e.title, e.editable, e.show_as, e.my_response,
  e.in_outlook, e.from_outlook, e.calendar, e.mirror && e.mirror.mode,
]);

/** Redraw the whole window from the API (before the change cursor is known). */
async function redrawWindow() {
  if (!lastRange) return;
  const fresh = (await fetchWindow(lastRange)).map((e) => [String(e.id), e]);
  applyChanges(new Map(fresh), new Set(fresh.map(([id]) => id)));
}

// A write commits a moment after it stamps its row: look a little before the cursor's stamp
// so a write that committed late is not missed (an unchanged event fetched again is not redrawn).
const SINCE_MARGIN_US = 5_000_000;

/**
 * Bring the shown events up to date with the server, touching only those that changed: ask
 * GET /api/changes/events for the events changed since the change cursor's ``stamp`` (and
 * the ids the window holds now); gone ones are removed, new ones added, changed ones updated
 * in place through FullCalendar's event API; the rest stay as drawn.
 */
async function redrawChanged(stamp = live.stamp()) {
  if (!lastRange) return;
  if (stamp === null) {
    await redrawWindow();
    return;
  }
  const range = lastRange;
  const delta = await calendars.filtered((only) => { // as fetchWindow: the shown calendars only
    const url = new URL(windowUrl(range, { archived: showArchived, calendars: only }), window.location.href);
    url.searchParams.set("since", String(Math.max(0, stamp - SINCE_MARGIN_US)));
    return request("GET", `${config.changesUrl}/events${url.search}`);
  }, { events: [], ids: [] });
  if (range !== lastRange) return; // the view moved meanwhile: its own fetch has it all
  // the server filtered by calendar already; a hide meanwhile is honoured here too
  const present = new Set(delta.ids || []);
  const wanted = [];
  for (const e of delta.events || []) {
    if (!calendars.shows(e)) present.delete(String(e.id));
    else if (showArchived || e.active !== false) wanted.push(e);
  }
  applyChanges(new Map(wanted.map((e) => [String(e.id), e])), present);
}

/** Remove the shown events not in ``present``, update or add those in ``changed``. */
function applyChanges(changed, present) {
  const source = calendar.getEventSourceById(SOURCE_ID);
  const updated = [];
  let refiled = false;
  calendar.batchRendering(() => {
    for (const shown of calendar.getEvents()) {
      const next = changed.get(shown.id);
      changed.delete(shown.id);
      if (!present.has(shown.id)) shown.remove();
      else if (next && signature(next) !== signature(shown.extendedProps.api)) {
        refiled ||= next.calendar !== shown.extendedProps.api.calendar;
        updateInPlace(shown, next);
        updated.push(next);
      }
    }
    for (const event of changed.values()) calendar.addEvent(toCalendarEvent(event), source);
  });
  // moved to another calendar (perhaps theirs was deleted elsewhere): the sidebar reads its
  // list again (while some are hidden, calendars.filtered has just read it)
  if (refiled && !calendars.shownIds()) calendars.load();
  for (const event of updated) {
    for (const el of document.querySelectorAll(`.fc-event[data-event-id="${CSS.escape(String(event.id))}"]`)) {
      decorate(el, event);
    }
  }
}

/** Give a drawn event new values through FullCalendar's event API (its element stays). */
function updateInPlace(shown, next) {
  applyProps(shown, toCalendarEvent(next));
}

/** PATCH times, asking about the series first for an occurrence; returns the undo or null. */
async function patchTimes(event, after) {
  const zone = after.zone;
  if (!hasSeries(event)) {
    const undo = { target: event.id, body: timesToApi(timesFromApi(event, zone)) };
    await request("PATCH", eventUrl(event.id), timesToApi(after));
    return undo;
  }
  const scope = await askScope({ title: gettext("Move recurring event"), message: gettext("Move:") });
  if (!scope) return null;
  if (scope === "occurrence") {
    const undo = { target: event.id, body: timesToApi(timesFromApi(event, zone)) };
    await request("PATCH", eventUrl(event.id), timesToApi(after));
    return undo;
  }
  const series = await request("GET", eventUrl(event.series_id));
  const seriesTimes = timesFromApi(series, zone);
  const undo = { target: event.series_id, body: timesToApi(seriesTimes) };
  const moved = shiftSeries(seriesTimes, timesFromApi(event, zone), after);
  await request("PATCH", eventUrl(event.series_id), timesToApi(moved));
  return undo;
}

function problemText(error) {
  const details = error instanceof ApiError && error.status === 400
    ? Object.values(error.body || {}).flat().filter((m) => typeof m === "string").join(" ") : "";
  return details || error.message;
}

/** A drag or resize: save the new times; the toast offers Undo. */
async function onMove(info) {
  const event = info.event.extendedProps.api;
  const after = timesFromCalendarEvent(info.event, event.timezone || config.timeZone, clock);
  let undo = null;
  try {
    undo = await patchTimes(event, after);
    if (!undo) {
      info.revert();
      return;
    }
  } catch (error) {
    info.revert();
    if (error.expired) goToLogin(config.loginUrl);
    else notify(problemText(error), "error");
    return;
  }
  await wrote();
  notify(gettext("Event moved."), "info", { label: gettext("Undo"), run: () => undoMove(undo) });
}

async function undoMove(undo) {
  try {
    await request("PATCH", eventUrl(undo.target), undo.body);
    notify(gettext("Move undone."));
  } catch (error) {
    notify(problemText(error), "error");
  }
  await wrote();
}

function calendarHeight() {
  // Small screens: the page scrolls, the calendar takes most of a screen; else it fills its box.
  return window.matchMedia("(max-width: 900px)").matches ? Math.max(480, Math.round(window.innerHeight * 0.8)) : "100%";
}

if (!window.FullCalendar) {
  document.getElementById("calendar").textContent = gettext(
    "The calendar library is missing: run “npm ci” (make install does it) and reload.");
  throw new Error("FullCalendar is not loaded");
}

/** After a write from this page: redraw, and tell the page's other tabs at once. */
function wrote() {
  document.dispatchEvent(new Event("calsync:changed-here"));
  return redrawChanged();
}

const calendars = new CalendarList(document.getElementById("calendars-panel"), {
  config, notify, onChange: () => calendar.refetchEvents(),
});

const editor = new EventEditor({ config, clock, eventUrl, notify, onChanged: wrote });

const quick = new QuickCreate(document.getElementById("quick-create"), {
  config, clock, notify,
  onCreated: wrote,
  onMore: (draft) => editor.openNew(draft),
  onClose: () => calendar.unselect(),
});

const minical = new MiniCalendar(document.getElementById("mini-calendar"), {
  language: config.language,
  firstDay: config.firstDay,
  today: () => clock.nowWall(),
  onPick: (day) => calendar.gotoDate(day),
});

/** A new event at the next full hour, in the full editor (the "New event" button, "n"). */
function newEventNow() {
  const now = clock.nowWall().getTime();
  const startWall = Math.floor(now / 3600000) * 3600000 + 3600000;
  editor.openNew({ startWall, endWall: startWall + 3600000, allDay: false });
}

/** Open a drawn event (its brief fields) in the editor, read in full first. */
async function openDrawn(event) {
  try {
    editor.openExisting(await request("GET", eventUrl(event.id)));
  } catch (error) {
    if (error.expired) goToLogin(config.loginUrl);
    else notify(error.message, "error");
    if (error.status === 404) redrawChanged().catch(() => {}); // gone meanwhile: redraw
  }
}

/** The element's data, tooltip and role for ``event`` (an API event). */
function decorate(el, event) {
  el.dataset.eventId = String(event.id);
  el.dataset.kind = kindOf(event);
  if (hasSeries(event)) el.dataset.seriesId = String(event.series_id);
  else delete el.dataset.seriesId;
  el.title = [event.title || gettext("(no title)"), event.location].filter(Boolean).join(" · ");
  if (!el.hasAttribute("tabindex")) el.tabIndex = 0;
  el.setAttribute("role", "button");
}

/**
 * A timed event of the month grid: its title with its time inside, the dot before them in
 * its calendar's colour (calendar.css), where FullCalendar draws three boxes beside each
 * other. A month of a busy calendar holds every event of its days (those past "+ more" are
 * drawn hidden) and a click restyles them all: fewer boxes, less of that work. Other
 * events: FullCalendar's own content.
 */
function eventContent(arg, createElement) {
  if (arg.event.allDay || !arg.view.type.startsWith("dayGrid")) return true;
  const time = arg.timeText ? createElement("span", { className: "fc-event-time" }, `${arg.timeText} `) : null;
  const colour = arg.borderColor || arg.backgroundColor;
  const style = colour ? { "--dot": colour } : {};
  return createElement("div", { className: "fc-event-title", style }, time, arg.event.title);
}

function eventDidMount(info) {
  const event = info.event.extendedProps.api;
  if (info.isMirror || !event) return; // the drag or selection preview has no API event
  decorate(info.el, event);
}

/** Enter or Space on a drawn event opens it (one listener for all of them). */
function onEventKey(key) {
  if (key.key !== "Enter" && key.key !== " ") return;
  const el = key.target.closest && key.target.closest(".fc-event[data-event-id]");
  if (!el || el !== key.target) return;
  key.preventDefault();
  const shown = calendar.getEventById(el.dataset.eventId);
  if (shown) openDrawn(shown.extendedProps.api);
}

const calendar = new window.FullCalendar.Calendar(document.getElementById("calendar"), {
  locale: config.language,
  firstDay: config.firstDay, // the server's (page_views.WEEK_STARTS), as first_window.js's
  timeZone: "UTC", // wall values of the user's zone (clock.js)
  now: () => clock.nowWall(),
  initialView: startView(),
  headerToolbar: { left: "prev,next today", center: "title", right: VIEWS.join(",") },
  height: calendarHeight(),
  windowResize: () => calendar.setOption("height", calendarHeight()),
  nowIndicator: true,
  navLinks: true,
  dayMaxEvents: true,
  selectable: true,
  selectMirror: true,
  unselectCancel: ".popover",
  editable: true,
  longPressDelay: 350,
  eventTimeFormat: { hour: "numeric", minute: "2-digit", meridiem: "short" },
  scrollTime: "08:00:00",
  eventSources: [{ id: SOURCE_ID, events: loadEvents }],
  loading: (isLoading) => { document.getElementById("calendar-loading").hidden = !isLoading; },
  select: (info) => quick.open({
    startWall: info.start.getTime(), endWall: info.end.getTime(), allDay: info.allDay,
    anchor: info.jsEvent,
  }),
  // a tap on a touch screen selects nothing (a long press does): it clicks a date, which
  // opens the same quick-create for one slot (a mouse click has opened it by selecting)
  dateClick: (info) => {
    if (quick.isOpen()) return;
    const startWall = info.date.getTime();
    const endWall = startWall + (info.allDay ? DAY_MS : SLOT_MS);
    quick.open({ startWall, endWall, allDay: info.allDay, anchor: info.jsEvent });
  },
  eventClick: (info) => {
    info.jsEvent.preventDefault();
    quick.close();
    openDrawn(info.event.extendedProps.api);
  },
  eventContent,
  eventDidMount,
  eventDrop: onMove,
  eventResize: onMove,
  datesSet: (info) => {
    minical.show(calendar.getDate(), info.start, info.end);
    window.localStorage.setItem(VIEW_KEY, info.view.type);
    document.getElementById("calendar").dataset.view = info.view.type;
  },
});
calendar.render();

document.addEventListener("keydown", onEventKey); // the grid's events, and the "+ more" popover's
document.getElementById("new-event").addEventListener("click", newEventNow);
document.getElementById("show-archived").addEventListener("change", (change) => {
  showArchived = change.target.checked;
  calendar.refetchEvents();
});

bindShortcuts({
  today: () => calendar.today(),
  view: (name) => calendar.changeView(name),
  prev: () => calendar.prev(),
  next: () => calendar.next(),
  create: newEventNow,
  search: () => search.focus(),
  busy: () => editor.dialog.open || quick.isOpen() || document.querySelector("dialog[open]") !== null,
});

const search = new EventSearch(document.getElementById("event-search"), {
  config, clock,
  onPick: (event) => {
    calendar.gotoDate(clock.toCalendar(event.start, event.all_day));
    editor.openExisting(event);
  },
});

/** ?event=<id> (the sync log's links): go to that event and open it. */
async function openLinkedEvent() {
  const wanted = new URLSearchParams(window.location.search).get("event");
  if (!wanted) return;
  try {
    const event = await request("GET", eventUrl(wanted));
    calendar.gotoDate(clock.toCalendar(event.start, event.all_day));
    editor.openExisting(event);
  } catch (error) {
    notify(error.message, "error");
  }
}
openLinkedEvent();

const draft = takeDraft();
if (draft) editor.restoreDraft(draft);

const live = new LiveUpdates({
  url: config.changesUrl,
  onEvents: (stamp) => redrawChanged(stamp),
});
live.start();
// A write stamps its row a moment before it commits: the delta looks SINCE_MARGIN_US back,
// and a tab coming back into view redraws its whole window once, in case a slower commit
// was missed meanwhile (only what differs is touched).
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) redrawWindow().catch(() => {});
});
document.getElementById("calendar").dataset.ready = "true";
