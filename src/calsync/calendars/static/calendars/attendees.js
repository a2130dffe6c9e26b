// Attendees as chips: each person with their answer (an icon and a colour), removable while
// the event is the user's to change. A text field adds people (Enter, a comma or leaving
// it), suggesting calsync users from the directory (GET /api/people?search=) as one types.
//
// The chips write the editor's attendee box (a hidden textarea, one "Name <email>" a line),
// which the editor reads as before; a line that is no address stays there as a red chip, so
// the editor's check names it.

import { request } from "./api.js";
import { formatAttendees, parseAttendees, tooLong } from "./text.js";

/** Why an attendee line cannot be sent, in words. */
export function invalidAttendee(line) {
  const message = tooLong(line)
    ? gettext("Too long (an email holds at most 254 characters, a name 255): %(line)s")
    : gettext("Not an email address: %(line)s");
  return interpolate(message, { line }, true);
}

const ANSWERS = {
  accepted: { icon: "✓", label: () => gettext("Accepted") },
  tentative: { icon: "?", label: () => pgettext("answer to an invitation", "Tentative") },
  tentativelyAccepted: { icon: "?", label: () => pgettext("answer to an invitation", "Tentative") },
  declined: { icon: "✗", label: () => gettext("Declined") },
  none: { icon: "…", label: () => gettext("No answer yet") },
};
const SEARCH_DELAY_MS = 200;

/** The icon and words of an answer ("none" for anything unknown). */
export function answerOf(status) {
  const known = ANSWERS[status] ? status : "none";
  return { status: known === "tentativelyAccepted" ? "tentative" : known, ...ANSWERS[known],
    label: ANSWERS[known].label() };
}

export class AttendeeChips {
  /**
   * list: the <ul> of chips; input: the text field that adds people; options: its
   * <datalist>; box: the editor's attendee textarea; peopleUrl: the directory's URL.
   */
  constructor({ list, input, options, box, peopleUrl }) {
    Object.assign(this, { list, input, options, box, peopleUrl });
    this.answers = new Map();
    this.editable = true;
    this.timer = null;
    this.searched = "";
    this.wire();
  }

  /** Show the box's people with their answers (from the API's attendees). */
  show(attendees, editable) {
    this.answers = new Map((attendees || []).map((a) => [String(a.email).toLowerCase(), a.status]));
    this.editable = editable;
    this.input.value = "";
    this.input.hidden = !editable;
    this.render();
  }

  /** Move what is typed in the field into the box (before the editor reads it). */
  commit() {
    const typed = this.input.value.split(/[,;\n]+/).map((part) => part.trim()).filter(Boolean);
    if (!typed.length) return;
    const lines = this.box.value ? this.box.value.split(/\r?\n/) : [];
    this.box.value = [...lines, ...typed].join("\n");
    this.input.value = "";
    this.render();
  }

  render() {
    const { attendees, invalid } = parseAttendees(this.box.value);
    this.list.replaceChildren(
      ...attendees.map((person) => this.chip(person)),
      ...invalid.map((line) => this.invalidChip(line)),
    );
    this.list.hidden = !attendees.length && !invalid.length;
  }

  chip(person) {
    const answer = answerOf(this.answers.get(person.email.toLowerCase()) || "none");
    const item = document.createElement("li");
    item.className = `chip chip-${answer.status}`;
    item.dataset.email = person.email;
    item.title = `${person.name ? `${person.name} <${person.email}>` : person.email} · ${answer.label}`;
    const icon = document.createElement("span");
    icon.className = "chip-icon";
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = answer.icon;
    const name = document.createElement("span");
    name.className = "chip-name";
    name.textContent = person.name || person.email;
    const said = document.createElement("span");
    said.className = "visually-hidden";
    said.textContent = `${person.name ? ` <${person.email}>` : ""}: ${answer.label}`;
    item.append(icon, name, said);
    if (this.editable) item.append(this.removeButton(person.name || person.email, person.email));
    return item;
  }

  invalidChip(line) {
    const item = document.createElement("li");
    item.className = "chip chip-invalid";
    item.title = invalidAttendee(line);
    const text = document.createElement("span");
    text.className = "chip-name";
    text.textContent = line;
    item.append(text);
    if (this.editable) item.append(this.removeButton(line, null, line));
    return item;
  }

  removeButton(label, email, line = null) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "chip-remove";
    button.setAttribute("aria-label", interpolate(gettext("Remove %(who)s"), { who: label }, true));
    button.textContent = "×";
    button.addEventListener("click", () => this.remove(email, line));
    return button;
  }

  remove(email, line) {
    const kept = this.box.value.split(/\r?\n/).filter((raw) => {
      if (line !== null) return raw.trim() !== line;
      const parsed = parseAttendees(raw).attendees[0];
      return !parsed || parsed.email.toLowerCase() !== email.toLowerCase();
    });
    this.box.value = kept.join("\n");
    this.render();
    this.input.focus();
  }

  /** Suggestions for what is typed: calsync users, as "Name <email>" options. */
  async suggest() {
    const text = this.input.value.trim();
    if (text.length < 2 || text === this.searched) return;
    this.searched = text;
    let people = [];
    try {
      people = await request("GET", `${this.peopleUrl}?search=${encodeURIComponent(text)}`);
    } catch {
      return; // suggestions are a help: typing an address still works
    }
    if (this.input.value.trim() !== text) return;
    this.options.replaceChildren(...(people || []).map((person) => {
      const option = document.createElement("option");
      option.value = formatAttendees([person]);
      option.label = person.name ? `${person.name} · ${person.email}` : person.email;
      return option;
    }));
  }

  wire() {
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || (event.key === "," && this.input.value.trim())) {
        event.preventDefault(); // Enter adds the person here: it never submits the form
        this.commit();
      } else if (event.key === "Backspace" && !this.input.value && this.editable) {
        const last = parseAttendees(this.box.value).attendees.pop();
        if (last) this.remove(last.email, null);
      }
    });
    this.input.addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.suggest(), SEARCH_DELAY_MS);
      // a suggestion picked from the list is a whole "Name <email>": take it at once
      if (/<[^<>\s]+@[^<>\s]+>$/.test(this.input.value.trim())) this.commit();
    });
    this.input.addEventListener("change", () => this.commit());
  }
}
