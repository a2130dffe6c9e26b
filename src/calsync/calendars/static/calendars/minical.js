// The sidebar's monthly mini-calendar: a grid of day buttons that moves the main calendar.
// Days are the browser's local calendar days, like FullCalendar's default time zone.

export class MiniCalendar {
  /** el: container; language: BCP 47 tag; firstDay: 0 = Sunday; onPick(Date) on a click. */
  constructor(el, { language, firstDay, onPick }) {
    this.el = el;
    this.language = language;
    this.firstDay = firstDay;
    this.onPick = onPick;
    const today = new Date();
    this.month = new Date(today.getFullYear(), today.getMonth(), 1);
    this.rangeStart = null;
    this.rangeEnd = null;
    this.titleFormat = new Intl.DateTimeFormat(language, { month: "long", year: "numeric" });
    this.dayFormat = new Intl.DateTimeFormat(language, { dateStyle: "full" });
    this.weekdayFormat = new Intl.DateTimeFormat(language, { weekday: "narrow" });
    this.weekdayLongFormat = new Intl.DateTimeFormat(language, { weekday: "long" });
    this.render();
  }

  /** Show date's month; highlight [start, end) (a week or day view's dates; a month view's
   * whole grid would be noise, so spans over two weeks are not highlighted). */
  show(date, start, end) {
    const short = end - start <= 14 * 86400000;
    this.rangeStart = short ? start : null;
    this.rangeEnd = short ? end : null;
    this.month = new Date(date.getFullYear(), date.getMonth(), 1);
    this.render();
  }

  step(months) {
    this.month = new Date(this.month.getFullYear(), this.month.getMonth() + months, 1);
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
    const lead = (this.month.getDay() - this.firstDay + 7) % 7;
    const first = new Date(this.month.getFullYear(), this.month.getMonth(), 1 - lead);
    for (let i = 0; i < 7; i += 1) {
      const day = new Date(first.getFullYear(), first.getMonth(), first.getDate() + i);
      const th = document.createElement("th");
      th.scope = "col";
      th.abbr = this.weekdayLongFormat.format(day);
      th.textContent = this.weekdayFormat.format(day);
      headRow.append(th);
    }
    const body = table.createTBody();
    const today = new Date();
    for (let week = 0; week < 6; week += 1) {
      const row = body.insertRow();
      for (let i = 0; i < 7; i += 1) {
        const day = new Date(first.getFullYear(), first.getMonth(), first.getDate() + week * 7 + i);
        const cell = row.insertCell();
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = String(day.getDate());
        button.setAttribute("aria-label", this.dayFormat.format(day));
        button.dataset.date = `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, "0")}-${String(day.getDate()).padStart(2, "0")}`;
        if (day.getMonth() !== this.month.getMonth()) button.classList.add("other-month");
        if (sameDay(day, today)) {
          button.classList.add("today");
          button.setAttribute("aria-current", "date");
        }
        if (this.rangeStart && day >= this.rangeStart && day < this.rangeEnd) button.classList.add("in-range");
        button.addEventListener("click", () => this.onPick(day));
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
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}
