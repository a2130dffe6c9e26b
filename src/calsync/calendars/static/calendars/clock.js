// The page's clock: the user's time zone and language, for FullCalendar and for text.
//
// FullCalendar runs in "UTC" mode and is given *wall* values (see tz.js): a Date whose UTC
// reading is the clock in the user's zone. So the grid shows the user's zone, whatever the
// browser's, and a Date FullCalendar hands back (a click, a drag) is a wall value too.

import { dateToWall, instantFromWall, wallMs } from "./tz.js";

export class Clock {
  /** zone: the user's IANA zone; language: the page's BCP 47 tag. */
  constructor(zone, language) {
    this.zone = zone;
    this.language = language;
    this.formats = new Map();
  }

  /** The wall Date of an API time (an ISO instant, or a "YYYY-MM-DD" date of an all-day event). */
  toCalendar(value, allDay) {
    if (allDay) return new Date(dateToWall(String(value).slice(0, 10)));
    return new Date(wallMs(Date.parse(value), this.zone));
  }

  /** The instant (epoch ms) a wall Date from the calendar stands for. */
  instant(wallDate) {
    return instantFromWall(wallDate.getTime(), this.zone);
  }

  /** Now, as a wall Date (FullCalendar's "now" and "today"). */
  nowWall() {
    return new Date(wallMs(Date.now(), this.zone));
  }

  format(instant, options) {
    const key = JSON.stringify(options);
    let f = this.formats.get(key);
    if (!f) {
      f = new Intl.DateTimeFormat(this.language, { timeZone: this.zone, ...options });
      this.formats.set(key, f);
    }
    return f.format(new Date(instant));
  }

  /** "Thu, 3 Dec, 14:05" style text of an instant, in the user's zone and language. */
  dateTime(instant) {
    return this.format(instant, { dateStyle: "medium", timeStyle: "short" });
  }

  /** A day and a time range of walls: "Thu 3 Dec, 14:00 – 15:00" (or days of an all-day span). */
  range(startWall, endWall, allDay) {
    const utc = (options) => new Intl.DateTimeFormat(this.language, { timeZone: "UTC", ...options });
    if (allDay) {
      const day = utc({ weekday: "short", day: "numeric", month: "short" });
      const last = endWall - 86400000;
      return last > startWall ? `${day.format(startWall)} – ${day.format(last)}` : day.format(startWall);
    }
    return utc({ weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit" })
      .formatRange(new Date(startWall), new Date(endWall));
  }
}
