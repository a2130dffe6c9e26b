// Date and date-time fields in the page's language: "24/11/2026 14:30" on a Vietnamese page,
// "11/24/2026 2:30 PM" on an English one (Intl's order and clock), whatever the browser's own
// locale (a native <input type=date> follows the browser, not the page). Typing is parsed
// in that order (ISO "2026-11-24T14:30" is accepted too); a button opens a month grid in the
// page's language (minical.js) to pick the day.
//
// DateText wraps a text <input> and speaks ISO to the editor's code: `value` reads and writes
// "YYYY-MM-DD" (kind "date") or "YYYY-MM-DDTHH:MM" (kind "datetime"); "" while unreadable.

import { MiniCalendar } from "./minical.js";

const pad = (n) => String(n).padStart(2, "0");
const SAMPLE = Date.UTC(2026, 10, 24, 14, 30);

/** The order of day, month and year in language's short dates, e.g. ["day", "month", "year"]. */
function dateOrder(language) {
  return new Intl.DateTimeFormat(language, { day: "2-digit", month: "2-digit", year: "numeric", timeZone: "UTC" })
    .formatToParts(SAMPLE).map((part) => part.type).filter((type) => ["day", "month", "year"].includes(type));
}

/** The day periods ("AM"/"PM", "SA"/"CH") of language's 12-hour clock, lower case. */
function dayPeriods(language) {
  const format = new Intl.DateTimeFormat(language, { hour: "numeric", hour12: true, timeZone: "UTC" });
  const period = (hour) => (format.formatToParts(Date.UTC(2026, 0, 1, hour)).find((p) => p.type === "dayPeriod") || {}).value || "";
  return [period(9).toLowerCase(), period(21).toLowerCase()];
}

export class DateText {
  /** input: a text <input data-date-kind="date|datetime">; language: the page's tag. */
  constructor(input, { language, firstDay }) {
    this.input = input;
    this.kind = input.dataset.dateKind === "datetime" ? "datetime" : "date";
    this.language = language;
    this.firstDay = firstDay;
    this.order = dateOrder(language);
    this.periods = dayPeriods(language);
    this.dateFormat = new Intl.DateTimeFormat(language, { day: "2-digit", month: "2-digit", year: "numeric", timeZone: "UTC" });
    const cycle = new Intl.DateTimeFormat(language, { hour: "numeric" }).resolvedOptions().hourCycle;
    const hour = cycle === "h23" || cycle === "h24" ? "2-digit" : "numeric"; // 09:30, 9:30 AM
    this.timeFormat = new Intl.DateTimeFormat(language, { hour, minute: "2-digit", timeZone: "UTC" });
    input.placeholder = this.format(SAMPLE);
    input.addEventListener("change", () => {
      const iso = this.value;
      if (iso) this.value = iso; // show it the canonical way
    });
    this.addPicker();
  }

  get value() {
    return this.parse(this.input.value.trim());
  }

  set value(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(iso || "");
    this.input.value = m ? this.format(Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0))) : "";
  }

  addEventListener(type, listener) {
    this.input.addEventListener(type, listener);
  }

  /** The text of a wall value in the page's language. */
  format(wall) {
    const day = this.dateFormat.format(wall);
    const text = this.kind === "datetime" ? `${day} ${this.timeFormat.format(wall)}` : day;
    return text.replace(/\s/g, " "); // Intl puts a narrow no-break space before "PM"
  }

  /** ISO of typed text ("" when it cannot be read). */
  parse(text) {
    const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?$/.exec(text);
    if (iso) return this.build(+iso[1], +iso[2], +iso[3], iso[4] ? +iso[4] : 0, iso[5] ? +iso[5] : 0);
    const numbers = text.match(/\d+/g) || [];
    if (numbers.length < 3) return "";
    const date = {};
    this.order.forEach((type, index) => { date[type] = Number(numbers[index]); });
    let hour = Number(numbers[3] || 0);
    const minute = Number(numbers[4] || 0);
    const lower = text.toLowerCase();
    if (this.periods[1] && lower.includes(this.periods[1]) && hour < 12) hour += 12;
    else if (this.periods[0] && lower.includes(this.periods[0]) && hour === 12) hour = 0;
    if (this.kind === "datetime" && numbers.length < 4) return "";
    return this.build(date.year, date.month, date.day, hour, minute);
  }

  build(year, month, day, hour, minute) {
    const wall = new Date(Date.UTC(year, month - 1, day, hour, minute));
    const valid = year >= 1000 && wall.getUTCMonth() === month - 1 && wall.getUTCDate() === day
      && hour < 24 && minute < 60;
    if (!valid) return "";
    const date = `${String(year).padStart(4, "0")}-${pad(month)}-${pad(day)}`;
    return this.kind === "datetime" ? `${date}T${pad(hour)}:${pad(minute)}` : date;
  }

  // ----- the month grid -----

  addPicker() {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "icon-button date-pick";
    button.textContent = "▦";
    button.setAttribute("aria-label", gettext("Choose a date"));
    button.setAttribute("aria-haspopup", "dialog");
    const box = document.createElement("span");
    box.className = "date-field";
    for (const name of [...this.input.classList].filter((c) => c.endsWith("-only"))) box.classList.add(name);
    this.input.replaceWith(box);
    box.append(this.input, button);
    button.addEventListener("click", () => this.togglePicker(button));
    this.button = button;
  }

  togglePicker(button) {
    if (this.popover) {
      this.closePicker();
      return;
    }
    const popover = document.createElement("div");
    popover.className = "date-popover";
    popover.setAttribute("role", "dialog");
    popover.setAttribute("aria-label", gettext("Choose a date"));
    const current = this.value;
    const wall = current ? Date.parse(`${current.slice(0, 10)}T00:00:00Z`) : Date.now();
    const grid = new MiniCalendar(popover, {
      language: this.language, firstDay: this.firstDay, today: () => new Date(Date.now()),
      onPick: (day) => this.pick(day),
    });
    grid.show(new Date(wall), null, null);
    button.after(popover);
    this.popover = popover;
    this.outside = (event) => {
      if (!popover.contains(event.target) && event.target !== button) this.closePicker();
    };
    this.escape = (event) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        event.preventDefault();
        this.closePicker();
        button.focus();
      }
    };
    document.addEventListener("mousedown", this.outside);
    popover.addEventListener("keydown", this.escape);
    const chosen = current && popover.querySelector(`button[data-date="${current.slice(0, 10)}"]`);
    (chosen || popover.querySelector("button[data-date]")).focus();
  }

  closePicker() {
    if (!this.popover) return;
    document.removeEventListener("mousedown", this.outside);
    this.popover.remove();
    this.popover = null;
  }

  /** A day picked in the grid: keep the time, tell the form (a "change"). */
  pick(day) {
    const time = this.kind === "datetime" ? (this.value.slice(10) || "T09:00") : "";
    this.value = `${day}${time}`;
    this.closePicker();
    this.input.dispatchEvent(new Event("change", { bubbles: true }));
    this.button.focus();
  }
}
