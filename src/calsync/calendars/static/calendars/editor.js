// The event editor (<dialog id="event-dialog">): create, edit, archive, unarchive, delete,
// and answer an invitation (rsvp.js). A meeting someone else organises opens read-only but
// for the user's own show-as; attendees are chips with their answers (attendees.js).
//
// Editing sends only the fields that changed (PATCH), so untouched fields of a synced
// event stay exactly as they were. For an occurrence of a series it first asks
// "This occurrence" or "The whole series"; the series' times then move by the same
// number of days and take the occurrence's new time of day (see times.js).

import { ApiError, fieldErrors, request } from "./api.js";
import { AttendeeChips, invalidAttendee } from "./attendees.js";
import { RsvpBar } from "./rsvp.js";
import { ask, askScope } from "./choice.js";
import { readChoice, setChoice } from "./calendar_list.js";
import { bindCounters } from "./counters.js";
import { fieldValues, goToLogin, keepDraft, restoreFieldValues } from "./session.js";
import { FormErrors } from "./form_errors.js";
import { RecurrenceForm } from "./recurrence_form.js";
import { formatAttendees, htmlToText, parseAttendees, textToHtml } from "./text.js";
import { shiftSeries, timesFromApi, timesToApi } from "./times.js";
import { TimesForm } from "./times_form.js";


const FIELDS = ["title", "all_day", "start", "end", "timezone", "location", "description",
  "attendees", "show_as", "privacy", "recurrence", "calendar"];
const TIME_KEYS = new Set(["start", "end", "all_day", "timezone"]);

/** Whether the signed-in user may only read this API event (they are not its organizer). */
export function isReadOnly(event, userEmail) {
  if (typeof event.editable === "boolean") return !event.editable;
  const organizer = event.organizer && event.organizer.email;
  return Boolean(organizer && userEmail && organizer.toLowerCase() !== userEmail.toLowerCase());
}

/** The dialog's note on a mirror copy (the API's `mirror`): whose copy it is, and where to edit. */
export function mirrorNote(mirror) {
  const text = mirror.mode === "redacted"
    ? gettext("This is a redacted copy of an event in %(calendar)s; edit the original.")
    : gettext("This is a busy copy of an event in %(calendar)s; edit the original.");
  return interpolate(text, { calendar: mirror.calendar || gettext("another calendar") }, true);
}

/** The API fields of editor values, with the description still as text. */
function payloadOf(values) {
  return {
    title: values.title,
    ...timesToApi(values.times),
    location: values.location,
    description: values.descriptionText,
    attendees: values.attendees.map((a) => ({ email: a.email.toLowerCase(), name: a.name })),
    show_as: values.show_as,
    privacy: values.privacy,
    recurrence: values.recurrence,
    calendar: values.calendar,
  };
}

export class EventEditor {
  /**
   * config: the page's calendar-config; clock: clock.js; eventUrl(id) -> URL; onChanged()
   * after a write; notify(message, kind) shows a short status message.
   */
  constructor({ config, clock, eventUrl, onChanged, notify }) {
    this.config = config;
    this.clock = clock;
    this.eventUrl = eventUrl;
    this.onChanged = onChanged;
    this.notify = notify;
    this.dialog = document.getElementById("event-dialog");
    this.form = document.getElementById("event-form");
    const $ = (id) => document.getElementById(id);
    this.el = {
      heading: $("event-dialog-title"), errors: $("event-errors"), fields: $("event-fields"),
      readonlyNote: $("event-readonly-note"), mirrorNote: $("event-mirror-note"), restoredNote: $("event-restored-note"), seriesNote: $("event-series-note"),
      archivedNote: $("event-archived-note"), title: $("ev-title"), location: $("ev-location"),
      description: $("ev-description"), attendees: $("ev-attendees"),
      showAs: $("ev-show-as"), privacy: $("ev-privacy"), calendar: $("ev-calendar"),
      organizer: $("ev-organizer"), save: $("ev-save"), cancel: $("ev-cancel"),
      remove: $("ev-delete"), archive: $("ev-archive"), unarchive: $("ev-unarchive"),
    };
    this.event = null;
    this.series = null;
    this.original = null;
    this.readOnly = false;
    this.busy = false;
    this.invitation = false;
    this.chips = new AttendeeChips({
      list: $("ev-attendee-chips"), input: $("ev-attendee-input"), options: $("ev-people"),
      box: this.el.attendees, peopleUrl: config.eventsUrl.replace(/events$/, "people"),
    });
    this.rsvp = new RsvpBar({
      root: $("ev-rsvp"), current: $("ev-rsvp-current"), comment: $("ev-rsvp-comment"),
      send: $("ev-rsvp-send"), eventUrl: (id) => this.eventUrl(id), run: (action) => this.run(action),
    });
    this.errors = new FormErrors(this.form, this.el.errors, FIELDS);
    this.times = new TimesForm(this.form, {
      onChange: () => this.recurrence.refresh(), language: config.language, firstDay: config.firstDay,
    });
    this.recurrence = new RecurrenceForm($("ev-recurrence"), {
      language: config.language,
      firstDay: config.firstDay,
      context: () => ({
        allDay: this.times.allDay(), zone: this.times.zone(), startWall: this.times.startWall(),
      }),
    });
    this.refreshCounters = bindCounters(this.form);
    this.wire();
  }

  // ----- opening -----

  /**
   * Open for a new event over [startWall, endWall): walls of the user's zone, the new event's
   * zone (allDay: midnights, end exclusive); title: what the quick-create popover had.
   */
  openNew({ startWall, endWall, allDay, title = "" }) {
    const times = { allDay: Boolean(allDay), zone: this.config.timeZone, startWall, endWall };
    this.event = null;
    this.series = null;
    this.readOnly = false;
    this.invitation = false;
    this.original = null;
    this.fill({
      title, times, location: "", descriptionText: "", attendees: [],
      show_as: "busy", privacy: "normal", recurrence: null, calendar: null,
    }, []);
    this.el.heading.textContent = gettext("New event");
    this.showChrome();
    this.dialog.showModal();
    this.el.title.focus();
  }

  /** Open an API event (an occurrence loads its series for the repeat rule). */
  async openExisting(event) {
    this.event = event;
    this.series = null;
    if (event.series_id !== null && event.series_id !== undefined) {
      try {
        this.series = await request("GET", this.eventUrl(event.series_id));
      } catch {
        this.series = null;
      }
    }
    this.readOnly = isReadOnly(event, this.config.user.email);
    this.invitation = this.readOnly && event.my_response !== null && event.my_response !== undefined;
    const values = {
      title: event.title || "",
      times: timesFromApi(event, this.config.timeZone),
      location: event.location || "",
      descriptionText: htmlToText(event.description || ""),
      attendees: (event.attendees || []).map((a) => ({ email: a.email, name: a.name || "" })),
      show_as: event.show_as || "busy",
      privacy: event.privacy || "normal",
      recurrence: event.recurrence || (this.series && this.series.recurrence) || null,
      calendar: event.calendar,
    };
    this.fill(values, event.attendees || []);
    // The baseline is what the form shows, so only the user's own edits count as changes.
    const shown = this.readForm().values;
    this.original = { values: shown, payload: payloadOf(shown) };
    this.el.heading.textContent = this.invitation ? gettext("Invitation")
      : this.readOnly ? gettext("Event") : gettext("Edit event");
    this.showChrome();
    if (!this.dialog.open) this.dialog.showModal();
    (this.readOnly ? this.el.cancel : this.el.title).focus();
  }

  isOccurrence() {
    return Boolean(this.event) && this.event.series_id !== null && this.event.series_id !== undefined;
  }

  showChrome() {
    const existing = Boolean(this.event);
    const archived = existing && this.event.active === false;
    this.errors.clear();
    this.el.restoredNote.hidden = true;
    this.el.fields.disabled = this.readOnly && !this.invitation;
    for (const control of this.el.fields.elements) {
      // an invitation: the organiser's fields are read-only, the user's show-as is theirs
      const locked = this.invitation && control !== this.el.showAs;
      if (locked || control.dataset.invitationLocked) control.disabled = locked;
      if (locked) control.dataset.invitationLocked = "1";
      else delete control.dataset.invitationLocked;
    }
    this.form.classList.toggle("is-readonly", this.readOnly);
    const mirror = existing ? this.event.mirror : null;
    this.el.readonlyNote.hidden = !this.readOnly || Boolean(mirror);
    this.el.mirrorNote.hidden = !mirror;
    if (mirror) this.el.mirrorNote.textContent = mirrorNote(mirror);
    this.el.seriesNote.hidden = !this.isOccurrence();
    this.el.archivedNote.hidden = !archived || this.invitation;
    this.rsvp.show(this.invitation ? this.event : null);
    this.el.save.hidden = this.readOnly && !this.invitation;
    this.el.remove.hidden = !existing || this.readOnly;
    this.el.archive.hidden = !existing || this.readOnly || archived;
    this.el.unarchive.hidden = !existing || this.readOnly || !archived;
    this.el.cancel.textContent = this.readOnly && !this.invitation ? gettext("Close") : gettext("Cancel");
    const organizer = existing && this.event.organizer;
    this.el.organizer.hidden = !organizer;
    if (organizer) {
      const who = organizer.name ? `${organizer.name} <${organizer.email}>` : organizer.email;
      this.el.organizer.textContent = interpolate(gettext("Organizer: %(who)s"), { who }, true);
    }
  }

  // ----- form <-> values -----

  fill(values, attendeesWithStatus) {
    const { el } = this;
    el.title.value = values.title;
    el.location.value = values.location;
    el.description.value = values.descriptionText;
    el.attendees.value = formatAttendees(values.attendees);
    el.showAs.value = values.show_as;
    if (el.showAs.value !== values.show_as) el.showAs.value = "busy";
    el.privacy.value = values.privacy;
    if (el.privacy.value !== values.privacy) el.privacy.value = "normal";
    this.times.set(values.times);
    this.renderAttendeeStatus(attendeesWithStatus);
    this.recurrence.setRule(values.recurrence);
    setChoice(el.calendar, values.calendar);
    this.refreshCounters();
  }

  /** {values, problems}: the form's values and the mistakes found before asking the server. */
  readForm() {
    const { el } = this;
    this.chips.commit();
    const problems = {};
    const problem = (field, message) => { (problems[field] ||= []).push(message); };
    const times = this.times.read(problem);
    const { attendees, invalid } = parseAttendees(el.attendees.value);
    for (const line of invalid) {
      problem("attendees", invalidAttendee(line));
    }
    const maxBytes = Number(el.description.dataset.maxBytes);
    if (maxBytes && new TextEncoder().encode(el.description.value).length > maxBytes) {
      problem("description", gettext("The description is larger than 100 KB."));
    }
    const values = {
      title: el.title.value.trim(),
      times,
      location: el.location.value.trim(),
      descriptionText: el.description.value.replace(/\s+$/, ""),
      attendees,
      show_as: el.showAs.value,
      privacy: el.privacy.value,
      recurrence: this.recurrence.rule(),
      calendar: readChoice(el.calendar),
    };
    return { values, problems };
  }

  /** Keys of `payload` that differ from the opened event (all four time keys together). */
  changedKeys(payload) {
    const before = this.original.payload;
    const changed = Object.keys(payload)
      .filter((key) => JSON.stringify(payload[key]) !== JSON.stringify(before[key]));
    if (changed.some((key) => TIME_KEYS.has(key))) {
      return [...new Set([...changed.filter((key) => !TIME_KEYS.has(key)), ...TIME_KEYS])];
    }
    return changed;
  }

  /** The JSON body for `keys` of a payload: HTML description, attendees keep their answers. */
  toWire(payload, keys) {
    const known = new Map((this.event && this.event.attendees || [])
      .map((a) => [String(a.email).toLowerCase(), a]));
    const body = {};
    for (const key of keys) {
      if (key === "description") {
        body.description = payload.description ? textToHtml(payload.description) : "";
      } else if (key === "attendees") {
        body.attendees = payload.attendees.map((a) => {
          const old = known.get(a.email);
          return old ? { ...old, email: old.email, name: a.name } : { email: a.email, name: a.name, type: "required" };
        });
      } else {
        body[key] = payload[key];
      }
    }
    return body;
  }

  // ----- actions -----

  async save() {
    if (this.invitation) {
      await this.saveShowAs();
      return;
    }
    if (this.readOnly || this.busy) return;
    this.errors.clear();
    const { values, problems } = this.readForm();
    if (Object.keys(problems).length) {
      this.errors.show(problems);
      return;
    }
    const payload = payloadOf(values);
    await this.run(async () => {
      if (!this.event) {
        await request("POST", this.config.eventsUrl, this.toWire(payload, Object.keys(payload)));
        return gettext("Event created.");
      }
      const changed = this.changedKeys(payload);
      if (!changed.length) return "";
      if (!this.isOccurrence()) {
        await request("PATCH", this.eventUrl(this.event.id), this.toWire(payload, changed));
        return gettext("Event saved.");
      }
      const scope = await askScope({
        title: gettext("Save recurring event"),
        message: gettext("Apply the changes to:"),
        seriesOnlyNote: changed.includes("recurrence")
          ? gettext("A changed repeat rule applies to the whole series.") : "",
      });
      if (!scope) return null;
      if (scope === "occurrence") {
        const keys = changed.filter((key) => key !== "recurrence");
        await request("PATCH", this.eventUrl(this.event.id), this.toWire(payload, keys));
        return gettext("This occurrence was saved.");
      }
      const body = this.toWire(payload, changed.filter((key) => !TIME_KEYS.has(key)));
      if (changed.some((key) => TIME_KEYS.has(key))) {
        const series = this.series || await request("GET", this.eventUrl(this.event.series_id));
        const seriesTimes = timesFromApi(series, values.times.zone);
        Object.assign(body, timesToApi(shiftSeries(seriesTimes, this.original.values.times, values.times)));
      }
      await request("PATCH", this.eventUrl(this.event.series_id), body);
      return gettext("The whole series was saved.");
    });
  }

  /** An invitation's one field of the user's own: how it shows in their calendar. */
  async saveShowAs() {
    if (this.busy) return;
    const showAs = this.el.showAs.value;
    await this.run(async () => {
      if (showAs === this.original.values.show_as) return "";
      await request("PATCH", this.eventUrl(this.event.id), { show_as: showAs });
      return gettext("Event saved.");
    });
  }

  async remove() {
    if (this.readOnly || this.busy || !this.event) return;
    const event = this.event;
    const note = event.outlook && (event.attendees || []).length
      ? gettext("Outlook will send a cancellation to every attendee.") : "";
    let target = event.id;
    let done = gettext("Event deleted.");
    if (this.isOccurrence()) {
      const scope = await askScope({ title: gettext("Delete recurring event"), message: gettext("Delete:") });
      if (!scope) return;
      if (scope === "series") {
        target = event.series_id;
        done = gettext("The whole series was deleted.");
      } else {
        done = gettext("This occurrence was cancelled.");
      }
    } else {
      const answer = await ask({
        title: gettext("Delete event"),
        message: interpolate(gettext("Delete “%(title)s”? This cannot be undone; archive it to keep it."),
          { title: event.title || gettext("(no title)") }, true),
        note,
        choices: [{ value: "delete", label: gettext("Delete"), kind: "danger" }],
      });
      if (!answer) return;
    }
    await this.run(async () => {
      await request("DELETE", this.eventUrl(target));
      return done;
    });
  }

  /**
   * Archive or unarchive. For an occurrence, archiving asks for the scope; unarchiving
   * restores the series when the series is archived, else that one occurrence.
   */
  async setArchived(archived) {
    if (this.readOnly || this.busy || !this.event) return;
    const event = this.event;
    let target = event.id;
    let done = archived ? gettext("Event archived.") : gettext("Event unarchived.");
    if (this.isOccurrence() && archived) {
      const scope = await askScope({ title: gettext("Archive recurring event"), message: gettext("Archive:") });
      if (!scope) return;
      if (scope === "series") {
        target = event.series_id;
        done = gettext("The whole series was archived.");
      }
    } else if (this.isOccurrence() && this.series && this.series.active === false) {
      target = event.series_id;
      done = gettext("The whole series was unarchived.");
    }
    await this.run(async () => {
      await request("POST", `${this.eventUrl(target)}/${archived ? "archive" : "unarchive"}`);
      return done;
    });
  }

  /** Run one write; on success close, refresh and tell; on failure show the errors. */
  async run(action) {
    this.setBusy(true);
    try {
      const message = await action();
      if (message === null) return;
      this.close();
      if (message) {
        this.notify(message);
        this.onChanged();
      }
    } catch (error) {
      this.showRequestError(error);
    } finally {
      this.setBusy(false);
    }
  }

  setBusy(busy) {
    this.busy = busy;
    this.rsvp.setBusy(busy);
    for (const button of [this.el.save, this.el.remove, this.el.archive, this.el.unarchive]) {
      button.disabled = busy;
    }
    this.form.setAttribute("aria-busy", String(busy));
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  showRequestError(error) {
    if (error instanceof ApiError && error.expired) {
      keepDraft({ event: this.event, values: fieldValues(this.form) });
      goToLogin(this.config.loginUrl);
      return;
    }
    if (error instanceof ApiError && error.status === 400) {
      this.errors.show(fieldErrors(error.body));
    } else {
      this.errors.show({ __all__: [error.message || String(error)] });
      if (error instanceof ApiError && error.status === 404) this.onChanged();
    }
  }

  /**
   * Reopen a dialog kept when the session ended (session.js): the same event (or a new
   * one), with the values that were typed; the person checks them and saves.
   */
  async restoreDraft(draft) {
    if (draft.event) await this.openExisting(draft.event);
    else if (draft.quick) this.openNew(draft.quick);
    else this.openNew({ startWall: Date.now(), endWall: Date.now() + 3600000, allDay: false });
    if (!draft.quick) restoreFieldValues(this.form, draft.values || {});
    this.form.classList.toggle("is-all-day", this.times.allDay());
    this.times.lastStart = this.times.startWall();
    this.recurrence.setRule(this.form.querySelector("#rr-raw").value);
    this.refreshCounters();
    this.el.restoredNote.hidden = false;
  }

  // ----- attendees -----

  renderAttendeeStatus(attendees) {
    this.chips.show(attendees, !this.readOnly);
  }

  // ----- wiring -----

  wire() {
    const { el } = this;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    for (const button of this.form.querySelectorAll("[data-action=close]")) {
      button.addEventListener("click", () => this.close());
    }
    el.remove.addEventListener("click", () => this.remove());
    el.archive.addEventListener("click", () => this.setArchived(true));
    el.unarchive.addEventListener("click", () => this.setArchived(false));
  }
}
