// Search: GET /api/events?q= (title, location, attendees) as the user types; the results list
// under the box shows each event's title and time in the user's zone. Picking one (click or
// Enter) jumps to it and opens it; Escape clears.

import { request } from "./api.js";

const DELAY_MS = 250;

export class EventSearch {
  /** root: the search <form>; onPick(apiEvent) when a result is chosen. */
  constructor(root, { config, clock, onPick }) {
    this.root = root;
    Object.assign(this, { config, clock, onPick });
    this.input = root.querySelector("input[type=search]");
    this.list = root.querySelector(".search-results");
    this.status = root.querySelector(".search-status");
    this.timer = null;
    this.asked = "";
    root.addEventListener("submit", (event) => {
      event.preventDefault();
      const first = this.list.querySelector("button");
      if (first) first.click();
      else this.run();
    });
    this.input.addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.run(), DELAY_MS);
    });
    document.addEventListener("mousedown", (event) => {
      if (!root.contains(event.target)) this.list.hidden = true;
    });
    this.input.addEventListener("focus", () => {
      if (this.list.childElementCount) this.list.hidden = false;
    });
    this.input.addEventListener("keydown", (key) => {
      if (key.key === "Escape") this.clear();
      if (key.key === "ArrowDown") {
        const first = this.list.querySelector("button");
        if (first) { key.preventDefault(); first.focus(); }
      }
    });
  }

  focus() {
    this.input.focus();
  }

  clear() {
    this.input.value = "";
    this.asked = "";
    this.list.replaceChildren();
    this.list.hidden = true;
    this.status.textContent = "";
  }

  async run() {
    const query = this.input.value.trim();
    if (query === this.asked) return;
    this.asked = query;
    if (query.length < 2) {
      this.list.replaceChildren();
      this.list.hidden = true;
      this.status.textContent = "";
      return;
    }
    try {
      const found = await request("GET", `${this.config.eventsUrl}?${new URLSearchParams({ q: query })}`);
      if (query === this.asked) this.show(found || []);
    } catch (error) {
      this.status.textContent = error.message;
    }
  }

  show(events) {
    this.list.replaceChildren(...events.map((event) => this.item(event)));
    this.list.hidden = events.length === 0;
    this.status.textContent = events.length
      ? interpolate(ngettext("%(count)s event found", "%(count)s events found", events.length),
        { count: events.length }, true)
      : gettext("No event matches.");
  }

  item(event) {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "search-result";
    button.dataset.eventId = String(event.id);
    const title = document.createElement("span");
    title.className = "search-title";
    title.textContent = event.title || gettext("(no title)");
    const when = document.createElement("span");
    when.className = "search-when";
    const start = this.clock.toCalendar(event.start, event.all_day).getTime();
    const end = event.end ? this.clock.toCalendar(event.end, event.all_day).getTime() : start;
    when.textContent = [this.clock.range(start, end, event.all_day), event.location].filter(Boolean).join(" · ");
    button.append(title, when);
    button.addEventListener("click", () => this.onPick(event));
    button.addEventListener("keydown", (key) => {
      const sibling = key.key === "ArrowDown" ? li.nextElementSibling : key.key === "ArrowUp" ? li.previousElementSibling : null;
      if (sibling) { key.preventDefault(); sibling.querySelector("button").focus(); }
      if (key.key === "Escape") { this.clear(); this.input.focus(); }
    });
    li.append(button);
    return li;
  }
}
