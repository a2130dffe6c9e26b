// The editor's time inputs: all day, start and end (datetime-local, or dates with an
// inclusive last day), and the IANA time zone. Values are the times of times.js.

import { DateText } from "./date_text.js";
import { DAY, dateToWall, isValidZone, localInputToWall, wallToDate, wallToLocalInput } from "./tz.js";

const HOUR = 3600000;

export class TimesForm {
  /**
   * form: the editor's <form>; onChange() after the user moved the start or all-day;
   * language and firstDay: how dates are written and the month grid starts (date_text.js).
   */
  constructor(form, { onChange, language, firstDay }) {
    this.form = form;
    this.onChange = onChange;
    const $ = (id) => form.querySelector(`#${id}`);
    const dated = (id) => new DateText($(id), { language, firstDay });
    this.el = {
      allDay: $("ev-all-day"), startDt: dated("ev-start-dt"), endDt: dated("ev-end-dt"),
      startDate: dated("ev-start-date"), endDate: dated("ev-end-date"), timezone: $("ev-timezone"),
    };
    this.lastStart = NaN;
    this.el.allDay.addEventListener("change", () => this.onAllDayChange());
    this.el.startDt.addEventListener("change", () => this.onStartChange());
    this.el.startDate.addEventListener("change", () => this.onStartChange());
    this.el.timezone.addEventListener("change", () => this.onChange());
  }

  /** Show times (and their zone). */
  set(times) {
    const { el } = this;
    el.timezone.value = times.zone;
    el.allDay.checked = times.allDay;
    this.form.classList.toggle("is-all-day", times.allDay);
    if (times.allDay) {
      el.startDate.value = wallToDate(times.startWall);
      el.endDate.value = wallToDate(Math.max(times.startWall, times.endWall - DAY));
      el.startDt.value = `${wallToDate(times.startWall)}T09:00`;
      el.endDt.value = `${wallToDate(times.startWall)}T10:00`;
    } else {
      el.startDt.value = wallToLocalInput(times.startWall);
      el.endDt.value = wallToLocalInput(times.endWall);
      el.startDate.value = wallToDate(times.startWall);
      el.endDate.value = wallToDate(times.endWall - 1);
    }
    this.lastStart = this.startWall();
  }

  allDay() {
    return this.el.allDay.checked;
  }

  zone() {
    return this.el.timezone.value.trim();
  }

  /** The start shown, as a wall value (NaN while the input is empty). */
  startWall() {
    return this.allDay() ? dateToWall(this.el.startDate.value) : localInputToWall(this.el.startDt.value);
  }

  /** The times shown; mistakes go to problem(field, message). */
  read(problem) {
    const { el } = this;
    const zone = this.zone();
    if (!isValidZone(zone)) {
      problem("timezone", gettext("Choose a time zone from the list, such as Europe/Paris."));
    }
    const allDay = this.allDay();
    const startWall = this.startWall();
    const endWall = allDay ? dateToWall(el.endDate.value) + DAY : localInputToWall(el.endDt.value);
    if (Number.isNaN(startWall)) problem("start", gettext("Enter a start."));
    if (Number.isNaN(endWall)) problem("end", gettext("Enter an end."));
    if (!Number.isNaN(startWall) && !Number.isNaN(endWall) && endWall <= startWall) {
      problem("end", allDay ? gettext("The last day cannot be before the first day.")
        : gettext("The end must be after the start."));
    }
    return { allDay, zone, startWall, endWall };
  }

  /** Keep the event's length when its start moves. */
  onStartChange() {
    const start = this.startWall();
    const shift = start - this.lastStart;
    this.lastStart = start;
    if (!Number.isNaN(shift)) {
      if (this.allDay()) {
        const end = dateToWall(this.el.endDate.value);
        if (!Number.isNaN(end)) this.el.endDate.value = wallToDate(end + shift);
      } else {
        const end = localInputToWall(this.el.endDt.value);
        if (!Number.isNaN(end)) this.el.endDt.value = wallToLocalInput(end + shift);
      }
    }
    this.onChange();
  }

  /** All day on: the days the times cover; off: 09:00-10:00 on the first day. */
  onAllDayChange() {
    const { el } = this;
    const allDay = this.allDay();
    const zone = this.zone();
    if (allDay) {
      const start = localInputToWall(el.startDt.value);
      const end = localInputToWall(el.endDt.value);
      const startDay = Number.isNaN(start) ? dateToWall(el.startDate.value) : Math.floor(start / DAY) * DAY;
      const endDay = Number.isNaN(end) ? startDay : Math.floor((end - 1) / DAY) * DAY;
      this.set({ allDay, zone, startWall: startDay, endWall: Math.max(startDay, endDay) + DAY });
    } else {
      const startDay = dateToWall(el.startDate.value);
      const base = Number.isNaN(startDay) ? Math.floor(Date.now() / DAY) * DAY : startDay;
      this.set({ allDay, zone, startWall: base + 9 * HOUR, endWall: base + 10 * HOUR });
    }
    this.onChange();
  }
}
