// Quick create: a click or drag on empty slots opens a small popover by the pointer
// (a sheet at the bottom on a phone) with a title and the chosen time. Enter saves;
// "More options" carries the draft into the full editor; Escape or a click elsewhere closes.

import { fieldErrors, request } from "./api.js";
import { goToLogin, keepDraft } from "./session.js";
import { timesToApi } from "./times.js";

const MARGIN = 8;

export class QuickCreate {
  /**
   * root: the #quick-create popover; config: the page's calendar-config; clock: clock.js;
   * notify(message, kind); onCreated() after a save; onMore(draft) opens the full editor
   * with {startWall, endWall, allDay, title}; onClose() when it closes.
   */
  constructor(root, { config, clock, notify, onCreated, onMore, onClose }) {
    this.root = root;
    Object.assign(this, { config, clock, notify, onCreated, onMore, onClose });
    this.form = root.querySelector("form");
    this.title = root.querySelector("#qc-title");
    this.when = root.querySelector("#qc-when");
    this.error = root.querySelector("#qc-error");
    this.save = root.querySelector("#qc-save");
    this.draft = null;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    root.querySelector("#qc-more").addEventListener("click", () => this.more());
    root.querySelector("#qc-close").addEventListener("click", () => this.close());
    root.addEventListener("keydown", (key) => {
      if (key.key === "Escape") {
        key.preventDefault();
        this.close();
      }
    });
    document.addEventListener("mousedown", (event) => {
      if (this.isOpen() && !root.contains(event.target) && !event.target.closest(".fc-highlight, .fc-event-mirror")) {
        this.close();
      }
    });
  }

  isOpen() {
    return !this.root.hidden;
  }

  /** Open for [startWall, endWall) (walls of the user's zone); anchor: the pointer event. */
  open({ startWall, endWall, allDay, anchor }) {
    this.draft = { startWall, endWall, allDay };
    this.title.value = "";
    this.error.hidden = true;
    this.when.textContent = this.clock.range(startWall, endWall, allDay);
    this.root.hidden = false;
    this.place(anchor);
    this.title.focus();
  }

  place(anchor) {
    const box = this.root.getBoundingClientRect();
    const x = anchor && typeof anchor.clientX === "number" ? anchor.clientX : window.innerWidth / 2;
    const y = anchor && typeof anchor.clientY === "number" ? anchor.clientY : window.innerHeight / 3;
    const left = Math.min(Math.max(MARGIN, x + MARGIN), window.innerWidth - box.width - MARGIN);
    const top = Math.min(Math.max(MARGIN, y + MARGIN), window.innerHeight - box.height - MARGIN);
    this.root.style.left = `${Math.round(left)}px`;
    this.root.style.top = `${Math.round(top)}px`;
  }

  close() {
    if (!this.isOpen()) return;
    this.root.hidden = true;
    this.draft = null;
    this.onClose();
  }

  times() {
    const { startWall, endWall, allDay } = this.draft;
    return { allDay, zone: this.config.timeZone, startWall, endWall };
  }

  more() {
    const draft = { ...this.draft, title: this.title.value.trim() };
    this.close();
    this.onMore(draft);
  }

  /** The session ended: keep the draft for the full editor after the login. */
  keepAsDraft() {
    const values = { "ev-title": this.title.value };
    keepDraft({ event: null, quick: { ...this.draft, title: this.title.value.trim() }, values });
    goToLogin(this.config.loginUrl);
  }

  async submit() {
    if (!this.draft || this.save.disabled) return;
    this.save.disabled = true;
    try {
      await request("POST", this.config.eventsUrl, { title: this.title.value.trim(), ...timesToApi(this.times()) });
      this.close();
      this.notify(gettext("Event created."));
      await this.onCreated();
    } catch (error) {
      if (error.expired) {
        this.keepAsDraft();
        return;
      }
      const messages = Object.values(fieldErrors(error.body)).flat();
      this.error.textContent = messages.join(" ") || error.message;
      this.error.hidden = false;
    } finally {
      this.save.disabled = false;
    }
  }
}
