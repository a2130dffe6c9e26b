// A user's calendar, read-only (the administrator's /users/<id>/calendar): FullCalendar fed by
// GET /api/events?user=<id>, in the viewer's zone, colours by kind; a click shows the event's
// details in the status line. Configuration: the json_script "readonly-calendar-config".

import { request } from "./api.js";
import { Clock } from "./clock.js";
import { kindOf } from "./kinds.js";
import { browserZone, isValidZone } from "./tz.js";

const config = JSON.parse(document.getElementById("readonly-calendar-config").textContent);
const zone = isValidZone(config.timeZone) ? config.timeZone : browserZone();
const clock = new Clock(zone, config.language);
const box = document.getElementById("readonly-calendar");
const details = document.getElementById("readonly-event");

/** The kind as the user whose calendar this is sees it (the API answers for the viewer). */
function kindForOwner(event) {
  const organizer = event.organizer && event.organizer.email;
  const invited = Boolean(organizer) && organizer.toLowerCase() !== config.email.toLowerCase();
  return kindOf({ ...event, editable: !invited });
}

function toCalendarEvent(event) {
  return {
    id: String(event.id),
    title: event.title || gettext("(no title)"),
    start: clock.toCalendar(event.start, event.all_day),
    end: event.end ? clock.toCalendar(event.end, event.all_day) : undefined,
    allDay: Boolean(event.all_day),
    classNames: [`kind-${kindForOwner(event)}`],
    extendedProps: { api: event },
  };
}

async function loadEvents(info, success, failure) {
  const params = new URLSearchParams({
    user: String(config.userId),
    start: new Date(clock.instant(info.start)).toISOString(),
    end: new Date(clock.instant(info.end)).toISOString(),
  });
  try {
    success((await request("GET", `${config.eventsUrl}?${params}`)).map(toCalendarEvent));
  } catch (error) {
    failure(error);
  }
}

const calendar = new window.FullCalendar.Calendar(box, {
  locale: config.language,
  timeZone: "UTC",
  now: () => clock.nowWall(),
  initialView: window.matchMedia("(max-width: 640px)").matches ? "listWeek" : "timeGridWeek",
  headerToolbar: { left: "prev,next today", center: "title", right: "dayGridMonth,timeGridWeek,listWeek" },
  height: 640,
  editable: false,
  selectable: false,
  nowIndicator: true,
  dayMaxEvents: true,
  scrollTime: "08:00:00",
  events: loadEvents,
  eventDidMount: (info) => {
    const event = info.event.extendedProps.api;
    if (!event) return;
    info.el.dataset.eventId = String(event.id);
    info.el.title = [info.event.title, event.location].filter(Boolean).join(" · ");
  },
  eventClick: (info) => {
    info.jsEvent.preventDefault();
    const event = info.event.extendedProps.api;
    const start = info.event.start.getTime();
    const end = info.event.end ? info.event.end.getTime() : start;
    details.textContent = [info.event.title, clock.range(start, end, info.event.allDay), event.location]
      .filter(Boolean).join(" · ");
    details.hidden = false;
  },
});
calendar.render();
box.dataset.ready = "true";
