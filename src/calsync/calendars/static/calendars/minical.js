// The sidebar's monthly mini-calendar: a grid of day buttons that moves the main calendar.
// Days are wall dates (Dates read in UTC, see clock.js): the user's calendar days.

const utcDay = (year, month, day) => new Date(Date.UTC(year, month, day));

export class MiniCalendar {
  /**
   * el: container; language: BCP 47 tag; firstDay: 0 = Sunday; today() -> the wall Date of
   * now; onPick("YYYY-MM-DD") on a click.
   */
  constructor(el, { language, firstDay, today, onPick }) {
    this.el = el;
    this.language = language;
    this.firstDay = firstDay;
    this.today = today;
    this.onPick = onPick;
    const now = today();
    this.month = utcDay(now.getUTCFullYear(), now.getUTCMonth(), 1);
    this.rangeStart = null;
    this.rangeEnd = null;
    this.titleFormat = new Intl.DateTimeFormat(language, { month: "long", year: "numeric", timeZone: "UTC" });
    this.dayFormat = new Intl.DateTimeFormat(language, { dateStyle: "full", timeZone: "UTC" });
    this.weekdayFormat = new Intl.DateTimeFormat(language, { weekday: "narrow", timeZone: "UTC" });
    this.weekdayLongFormat = new Intl.DateTimeFormat(language, { weekday: "long", timeZone: "UTC" });
    this.render();
  }

  /** Show date's month; highlight [start, end) (a week or day view's dates; a month view's
   * whole grid would be noise, so spans over two weeks are not highlighted). */
  show(date, start, end) {
    const short = end - start <= 14 * 86400000;
    this.rangeStart = short ? start : null;
    this.rangeEnd = short ? end : null;
    this.month = utcDay(date.getUTCFullYear(), date.getUTCMonth(), 1);
    this.render();
  }

  step(months) {
    this.month = utcDay(this.month.getUTCFullYear(), this.month.getUTCMonth() + months, 1);
    this.render();
  }

  render() {
    const header = document.createElement("div");
    header.className = "minical-header";
    const prev = this.navButton("‹", gettext("Previous month"), -1);
    const next = this.navButton("›", gettext("Next month"), 1);
    const title = document.createElement("span");
    title.className = "minical-title";
    title.setAttribute("aria-live", "polite");
    title.textContent = this.titleFormat.format(this.month);
    header.append(prev, title, next);

    const table = document.createElement("table");
    table.className = "minical-grid";
    table.setAttribute("role", "grid");
    table.setAttribute("aria-label", this.titleFormat.format(this.month));
    const headRow = table.createTHead().insertRow();
    const lead = (this.month.getUTCDay() - this.firstDay + 7) % 7;
    const first = utcDay(this.month.getUTCFullYear(), this.month.getUTCMonth(), 1 - lead);
    for (let i = 0; i < 7; i += 1) {
      const day = utcDay(first.getUTCFullYear(), first.getUTCMonth(), first.getUTCDate() + i);
      const th = document.createElement("th");
      th.scope = "col";
      th.abbr = this.weekdayLongFormat.format(day);
      th.textContent = this.weekdayFormat.format(day);
      headRow.append(th);
    }
    const body = table.createTBody();
    const today = this.today();
    for (let week = 0; week < 6; week += 1) {
      const row = body.insertRow();
      for (let i = 0; i < 7; i += 1) {
        const day = utcDay(first.getUTCFullYear(), first.getUTCMonth(), first.getUTCDate() + week * 7 + i);
        const cell = row.insertCell();
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = String(day.getUTCDate());
        button.setAttribute("aria-label", this.dayFormat.format(day));
        button.dataset.date = day.toISOString().slice(0, 10);
        if (day.getUTCMonth() !== this.month.getUTCMonth()) button.classList.add("other-month");
        if (sameDay(day, today)) {
          button.classList.add("today");
          button.setAttribute("aria-current", "date");
        }
        if (this.rangeStart && day >= this.rangeStart && day < this.rangeEnd) button.classList.add("in-range");
        button.addEventListener("click", () => this.onPick(button.dataset.date));
        cell.append(button);
      }
    }
    this.el.replaceChildren(header, table);
  }

  navButton(text, label, months) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "icon-button";
    button.textContent = text;
    button.setAttribute("aria-label", label);
    button.addEventListener("click", () => this.step(months));
    return button;
  }
}

function sameDay(a, b) {
  return a.toISOString().slice(0, 10) === b.toISOString().slice(0, 10);
}
