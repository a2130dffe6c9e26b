// An event's times as the editor sees them: {allDay, zone, startWall, endWall}
// (walls in the event's zone; for all-day events midnight walls with the end exclusive),
// and their conversion to and from the API's JSON (docs/contract.md, REST API).

import { DAY, dateToWall, instantFromWall, isoWithOffset, wallMs, wallToDate } from "./tz.js";

const HOUR = 3600000;

/** Times of an API event (all-day start/end are dates; others ISO instants with offsets). */
export function timesFromApi(event, fallbackZone) {
  const zone = event.timezone || fallbackZone;
  if (event.all_day) {
    const startWall = dateToWall(String(event.start).slice(0, 10));
    const endWall = event.end ? dateToWall(String(event.end).slice(0, 10)) : startWall + DAY;
    return { allDay: true, zone, startWall, endWall };
  }
  const start = Date.parse(event.start);
  const end = event.end ? Date.parse(event.end) : start + HOUR;
  return { allDay: false, zone, startWall: wallMs(start, zone), endWall: wallMs(end, zone) };
}

/** The API fields {start, end, all_day, timezone} of editor times. */
export function timesToApi(times) {
  if (times.allDay) {
    return {
      start: wallToDate(times.startWall), end: wallToDate(times.endWall),
      all_day: true, timezone: times.zone,
    };
  }
  return {
    start: isoWithOffset(instantFromWall(times.startWall, times.zone), times.zone),
    end: isoWithOffset(instantFromWall(times.endWall, times.zone), times.zone),
    all_day: false, timezone: times.zone,
  };
}

/**
 * Times of a FullCalendar event after a drag or resize, in the event's zone. The calendar's
 * Dates are walls of the user's zone: clock.instant() turns them into instants.
 */
export function timesFromCalendarEvent(fcEvent, zone, clock) {
  if (fcEvent.allDay) {
    const startWall = dateToWall(fcEvent.startStr.slice(0, 10));
    const endWall = fcEvent.end ? dateToWall(fcEvent.endStr.slice(0, 10)) : startWall + DAY;
    return { allDay: true, zone, startWall, endWall };
  }
  const start = clock.instant(fcEvent.start);
  const end = fcEvent.end ? clock.instant(fcEvent.end) : start + HOUR;
  return { allDay: false, zone, startWall: wallMs(start, zone), endWall: wallMs(end, zone) };
}

/** Whether two times mean the same API values. */
export function sameTimes(a, b) {
  return JSON.stringify(timesToApi(a)) === JSON.stringify(timesToApi(b));
}

/**
 * New times for a whole series after one occurrence moved from `before` to `after`:
 * the series start moves by the same number of days, takes the occurrence's new time of
 * day and duration, all-day-ness and zone. DST-safe, since it works on wall clocks.
 */
export function shiftSeries(series, before, after) {
  const dayOf = (wall) => Math.floor(wall / DAY);
  const dayShift = dayOf(after.startWall) - dayOf(before.startWall);
  const timeOfDay = after.allDay ? 0 : after.startWall - dayOf(after.startWall) * DAY;
  const startWall = (dayOf(series.startWall) + dayShift) * DAY + timeOfDay;
  return {
    allDay: after.allDay, zone: after.zone,
    startWall, endWall: startWall + (after.endWall - after.startWall),
  };
}
