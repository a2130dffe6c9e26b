// The sidebar's calendars (GET/POST/PATCH/DELETE /api/calendars): each with its colour and a
// checkbox to show or hide its events (the hidden ones remembered in this browser's
// localStorage), a form for a new one, and per calendar a form to rename, recolour or delete
// it (its events move to the default calendar). It also fills the event dialog's "Calendar"
// select and gives each event its calendar's colour (`look`, which event_props.js uses for
// both the window's events and those a live update changes in place).
//
// Colours (calendar_list.css): an event is filled with its calendar's colour (a pale tint of
// it when shown as free); its left edge keeps the colour of its kind (kinds.js, the legend).
// Archived ones keep their grey fill, which says something of its own.

import { ApiError, fieldErrors, request } from "./api.js";
import { ask } from "./choice.js";
import { HIDDEN_KEY, readHidden } from "./first_window.js";

function channels(colour) {
  const n = parseInt(colour.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Dark or white text, whichever reads better on `colour` (#rrggbb). */
export function textOn(colour) {
  const [r, g, b] = channels(colour);
  return (0.299 * r + 0.587 * g + 0.114 * b) / 255 > 0.62 ? "#111827" : "#ffffff";
}

/** A pale tint of `colour` (#rrggbb): a fifth of it on white. */
export function paleOf(colour) {
  const hex = channels(colour).map((c) => Math.round(255 - (255 - c) * 0.2).toString(16).padStart(2, "0"));
  return `#${hex.join("")}`;
}

/** Put the calendar of id `id` (null or unknown: the default one) in a select of calendars. */
export function setChoice(select, id) {
  const wanted = select.querySelector(`option[value="${Number(id)}"]`)
    || select.querySelector("option[data-default]");
  if (wanted) select.value = wanted.value;
}

/** The calendar id a select of calendars shows, or undefined while it has none. */
export function readChoice(select) {
  return select.value ? Number(select.value) : undefined;
}

function element(tag, props = {}, children = []) {
  const el = Object.assign(document.createElement(tag), props);
  el.append(...children);
  return el;
}

export class CalendarList {
  /**
   * root: the sidebar's <section id="calendars-panel">; config: the page's calendar-config
   * (calendarsUrl, calendarPalette); notify(message, kind); onChange(): the calendars
   * shown, or their colours, changed (the page redraws its events).
   */
  constructor(root, { config, notify, onChange }) {
    this.root = root;
    this.url = config.calendarsUrl;
    this.palette = config.calendarPalette || [];
    this.notify = notify;
    this.onChange = onChange;
    this.list = root.querySelector("#calendar-list");
    this.newForm = root.querySelector("#new-calendar-form");
    this.select = document.getElementById("ev-calendar");
    this.calendars = [];
    this.hidden = readHidden();
    this.unknown = new Set(); // calendar ids seen on events but not listed: read the list again once
    this.newForm.addEventListener("submit", (submit) => {
      submit.preventDefault();
      this.create();
    });
    /** Resolves once the first list is read (or failed: then nothing is filtered). */
    this.ready = this.load();
  }

  /** Read the list; the sidebar is drawn again only when a calendar changed (not its count). */
  async load() {
    try {
      const data = await request("GET", this.url);
      this.calendars = Array.isArray(data) ? data : [];
    } catch (error) {
      this.notify(error.message, "error");
    }
    const drawn = JSON.stringify(this.calendars.map((c) => [c.id, c.name, c.color, c.is_default]));
    if (drawn !== this.drawn) {
      this.drawn = drawn;
      this.render();
    }
  }

  byId(id) {
    return this.calendars.find((c) => c.id === id);
  }

  /** The ids to ask the API for, or null when every calendar is shown (no filter). */
  shownIds() {
    const shown = this.calendars.filter((c) => !this.hidden.has(c.id)).map((c) => c.id);
    return shown.length === this.calendars.length ? null : shown;
  }

  /** Whether every calendar is hidden (nothing to ask for). */
  noneShown() {
    return this.calendars.length > 0 && this.calendars.every((c) => this.hidden.has(c.id));
  }

  /**
   * What the API answers for the shown calendars: `read(ids)` asks it (ids null: no filter);
   * none shown is `nothing` without asking. Both the window's fetch and the live updates'
   * delta go through here. While some are hidden the list is read first (a calendar made in
   * another tab is shown); a 400 about the filter (one deleted meanwhile) reads it again and
   * asks once more.
   */
  async filtered(read, nothing = []) {
    await this.ready;
    if (this.shownIds()) await this.load();
    if (this.noneShown()) return nothing;
    try {
      return await read(this.shownIds());
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 400 || !(error.body && error.body.calendar)) throw error;
      await this.load();
      return this.noneShown() ? nothing : read(this.shownIds());
    }
  }

  /** Whether an API event's calendar is shown (its calendar not hidden in the sidebar). */
  shows(event) {
    return !this.hidden.has(event.calendar);
  }

  /**
   * FullCalendar colour options for an API event: its calendar's colour as the fill (a pale
   * tint of it when shown as free); archived ones keep their grey. The left edge (the border,
   * left to the CSS) keeps the kind's colour.
   */
  look(event) {
    const calendar = this.byId(event.calendar);
    if (!calendar && Number.isInteger(event.calendar) && !this.unknown.has(event.calendar)) {
      this.unknown.add(event.calendar); // made in another tab: list it, then redraw
      window.setTimeout(() => this.changed(), 0);
    }
    if (!calendar || event.active === false) return {};
    if (event.show_as === "free") return { backgroundColor: paleOf(calendar.color), textColor: "#111827" };
    return { backgroundColor: calendar.color, textColor: textOn(calendar.color) };
  }

  setHidden(id, hidden) {
    if (hidden) this.hidden.add(id);
    else this.hidden.delete(id);
    window.localStorage.setItem(HIDDEN_KEY, JSON.stringify([...this.hidden]));
    this.onChange();
  }

  render() {
    this.list.replaceChildren(...this.calendars.map((c) => this.item(c)));
    this.root.dataset.ready = "true";
    const colour = this.newForm.elements.color;
    if (this.palette.length) colour.value = this.palette[this.calendars.length % this.palette.length];
    if (this.select) {
      const chosen = this.select.value;
      this.select.replaceChildren(...this.calendars.map((c) => element("option", {
        value: String(c.id), textContent: c.name,
      })));
      const fallback = this.select.querySelector(`option[value="${this.defaultId()}"]`);
      if (fallback) fallback.dataset.default = "";
      setChoice(this.select, chosen ? Number(chosen) : null);
    }
  }

  defaultId() {
    const found = this.calendars.find((c) => c.is_default);
    return found ? found.id : null;
  }

  /** One calendar's row: the checkbox, its swatch and name, and its edit form. */
  item(calendar) {
    const swatch = element("span", { className: "swatch calendar-swatch" });
    swatch.setAttribute("aria-hidden", "true");
    swatch.style.backgroundColor = calendar.color; // CSSOM, allowed by the CSP
    const box = element("input", { type: "checkbox", checked: !this.hidden.has(calendar.id) });
    box.addEventListener("change", () => this.setHidden(calendar.id, !box.checked));
    const label = element("label", { className: "check calendar-toggle" }, [
      box, swatch, element("span", { className: "calendar-name", textContent: calendar.name }),
    ]);
    if (calendar.is_default) {
      label.append(element("span", { className: "muted calendar-default", textContent: gettext("default") }));
    }
    const form = this.editForm(calendar);
    const edit = element("button", {
      type: "button", className: "icon-button calendar-edit", textContent: "⋯",
      title: gettext("Rename, recolour or delete"),
    });
    edit.setAttribute("aria-label", interpolate(gettext("Edit calendar %(name)s"), { name: calendar.name }, true));
    edit.setAttribute("aria-expanded", "false");
    edit.addEventListener("click", () => {
      form.hidden = !form.hidden;
      edit.setAttribute("aria-expanded", String(!form.hidden));
      if (!form.hidden) form.elements.name.focus();
    });
    const row = element("li", { className: "calendar-item" }, [label, edit, form]);
    row.dataset.calendarId = String(calendar.id);
    return row;
  }

  editForm(calendar) {
    const name = element("input", { type: "text", name: "name", value: calendar.name, maxLength: 100, required: true });
    const color = element("input", { type: "color", name: "color", value: calendar.color });
    name.setAttribute("aria-label", gettext("Name"));
    color.setAttribute("aria-label", gettext("Colour"));
    const error = element("p", { className: "field-error", hidden: true });
    error.setAttribute("role", "alert");
    const buttons = [element("button", { type: "submit", className: "btn btn-small btn-primary", textContent: gettext("Save") })];
    if (!calendar.is_default) {
      const remove = element("button", { type: "button", className: "btn btn-small btn-danger", textContent: gettext("Delete") });
      remove.addEventListener("click", () => this.remove(calendar));
      buttons.push(remove);
    }
    const form = element("form", { className: "calendar-edit-form", hidden: true, noValidate: true }, [
      element("div", { className: "calendar-edit-fields" }, [name, color]), error,
      element("div", { className: "calendar-edit-actions" }, buttons),
    ]);
    if (calendar.is_default) {
      form.append(element("p", { className: "help", textContent: gettext(
        "New events go to the default calendar; it cannot be deleted.") }));
    }
    form.addEventListener("submit", (submit) => {
      submit.preventDefault();
      this.save(calendar, form, error);
    });
    return form;
  }

  async save(calendar, form, error) {
    const body = { name: form.elements.name.value.trim(), color: form.elements.color.value };
    try {
      await request("PATCH", `${this.url}/${calendar.id}`, body);
    } catch (failure) {
      this.showError(error, failure);
      return;
    }
    this.notify(gettext("Calendar saved."));
    this.drawn = null; // closes the form even when nothing changed
    await this.changed();
  }

  async create() {
    const form = this.newForm;
    const error = form.querySelector(".field-error");
    const body = { name: form.elements.name.value.trim(), color: form.elements.color.value };
    try {
      await request("POST", this.url, body);
    } catch (failure) {
      this.showError(error, failure);
      return;
    }
    error.hidden = true;
    form.reset();
    this.notify(interpolate(gettext("Calendar “%(name)s” created."), { name: body.name }, true));
    await this.changed();
  }

  async remove(listed) {
    await this.load(); // its count of events as it is now
    const calendar = this.byId(listed.id) || listed;
    const target = this.byId(this.defaultId());
    const choice = await ask({
      title: interpolate(gettext("Delete the calendar “%(name)s”?"), { name: calendar.name }, true),
      message: interpolate(ngettext(
        "Its %(count)s event moves to your default calendar, “%(target)s”.",
        "Its %(count)s events move to your default calendar, “%(target)s”.",
        calendar.events || 0,
      ), { count: calendar.events || 0, target: target ? target.name : "" }, true),
      choices: [{ value: "delete", label: gettext("Delete calendar"), kind: "danger" }],
    });
    if (choice !== "delete") return;
    let answer;
    try {
      answer = await request("DELETE", `${this.url}/${calendar.id}`);
    } catch (failure) {
      this.notify(failure.message, "error");
      return;
    }
    this.hidden.delete(calendar.id);
    window.localStorage.setItem(HIDDEN_KEY, JSON.stringify([...this.hidden]));
    this.notify(interpolate(ngettext(
      "Calendar deleted; %(count)s event moved to “%(target)s”.",
      "Calendar deleted; %(count)s events moved to “%(target)s”.",
      answer.moved,
    ), { count: answer.moved, target: target ? target.name : "" }, true));
    await this.changed();
  }

  showError(el, failure) {
    const messages = Object.values(fieldErrors(failure.body) || {}).flat();
    el.textContent = messages.length ? messages.join(" ") : failure.message;
    el.hidden = false;
  }

  async changed() {
    await this.load();
    this.onChange();
  }
}
