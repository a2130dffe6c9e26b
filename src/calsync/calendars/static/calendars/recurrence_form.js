// The editor's "Repeat" section: a small builder (none / daily / weekly on days / monthly /
// yearly, every N, ends never / on a date / after N) kept in step with a raw RRULE field.
// The raw field is what is saved; a rule the builder cannot show appears as "Custom rule".

import { DateText } from "./date_text.js";
import { WEEKDAYS, buildRule, emptySpec, parseRule } from "./rrule.js";
import { DAY, isValidZone, wallToDate } from "./tz.js";

export class RecurrenceForm {
  /**
   * root: the <fieldset id="ev-recurrence">; language and firstDay label the weekdays;
   * context() -> {allDay, zone, startWall} of the event being edited (a rule's UNTIL and
   * default weekday depend on them).
   */
  constructor(root, { language, firstDay, context }) {
    this.root = root;
    this.context = context;
    const $ = (id) => root.querySelector(`#${id}`);
    this.el = {
      freq: $("rr-freq"), interval: $("rr-interval"), unit: $("rr-unit"), byday: $("rr-byday"),
      until: new DateText($("rr-until"), { language, firstDay }), count: $("rr-count"), raw: $("rr-raw"), advanced: $("rr-advanced"),
    };
    this.renderWeekdays(language, firstDay);
    this.wire();
  }

  /** Show a rule (null or "" for none). */
  setRule(rule) {
    this.el.raw.value = rule || "";
    this.fromRaw();
    this.el.advanced.open = this.el.freq.value === "CUSTOM";
  }

  /** The rule to save: the raw field's text, or null. */
  rule() {
    return this.el.raw.value.trim() || null;
  }

  /** Rewrite the rule after the event's start, zone or all-day flag changed. */
  refresh() {
    this.toRaw();
  }

  zone() {
    const { zone } = this.context();
    return isValidZone(zone) ? zone : "UTC";
  }

  renderWeekdays(language, firstDay) {
    const short = new Intl.DateTimeFormat(language, { weekday: "short", timeZone: "UTC" });
    const long = new Intl.DateTimeFormat(language, { weekday: "long", timeZone: "UTC" });
    for (let i = 0; i < 7; i += 1) {
      const index = (firstDay + i) % 7;
      const sample = new Date(Date.UTC(2024, 0, 7 + index)); // 2024-01-07 was a Sunday
      const label = document.createElement("label");
      label.className = "weekday";
      const box = document.createElement("input");
      box.type = "checkbox";
      box.value = WEEKDAYS[index];
      box.name = "rr_byday";
      box.setAttribute("aria-label", long.format(sample));
      const text = document.createElement("span");
      text.textContent = short.format(sample);
      text.setAttribute("aria-hidden", "true");
      label.append(box, text);
      this.el.byday.append(label);
    }
  }

  spec() {
    const { el } = this;
    const ends = this.root.querySelector("input[name=rr_ends]:checked");
    return {
      freq: el.freq.value === "CUSTOM" ? "" : el.freq.value,
      interval: Number(el.interval.value) || 1,
      byday: [...el.byday.querySelectorAll("input:checked")].map((box) => box.value),
      ends: ends ? ends.value : "never",
      until: el.until.value,
      count: Number(el.count.value) || 1,
    };
  }

  /** Write the builder's rule into the raw field (unless the rule is a custom one). */
  toRaw() {
    if (this.el.freq.value === "CUSTOM") return;
    const { allDay } = this.context();
    this.el.raw.value = buildRule(this.spec(), { allDay, zone: this.zone() }) || "";
  }

  /** Show the raw field's rule in the builder, or "Custom rule" when it cannot. */
  fromRaw() {
    const { el } = this;
    const spec = parseRule(el.raw.value, this.zone());
    const shown = spec || emptySpec();
    el.freq.value = spec ? spec.freq : "CUSTOM";
    el.interval.value = String(shown.interval);
    for (const box of el.byday.querySelectorAll("input")) box.checked = shown.byday.includes(box.value);
    const ends = this.root.querySelector(`input[name=rr_ends][value=${shown.ends}]`);
    if (ends) ends.checked = true;
    el.until.value = shown.until || "";
    el.count.value = String(shown.count || 10);
    this.updateVisibility();
  }

  updateVisibility() {
    const { el } = this;
    const freq = el.freq.value;
    const building = freq !== "" && freq !== "CUSTOM";
    for (const part of this.root.querySelectorAll(".rr-needs-freq")) part.hidden = !building;
    this.root.querySelector(".rr-weekly").hidden = freq !== "WEEKLY";
    const n = Number(el.interval.value) || 1;
    const units = {
      DAILY: ngettext("day", "days", n), WEEKLY: ngettext("week", "weeks", n),
      MONTHLY: ngettext("month", "months", n), YEARLY: ngettext("year", "years", n),
    };
    el.unit.textContent = units[freq] || "";
  }

  /** A new frequency: weekly starts on the event's weekday; "until" defaults to 90 days on. */
  onFrequencyChange() {
    const { el } = this;
    const { startWall } = this.context();
    const known = !Number.isNaN(startWall);
    if (el.freq.value === "WEEKLY" && known && !el.byday.querySelector("input:checked")) {
      const box = el.byday.querySelector(`input[value=${WEEKDAYS[new Date(startWall).getUTCDay()]}]`);
      if (box) box.checked = true;
    }
    if (el.freq.value === "CUSTOM") {
      el.advanced.open = true;
      el.raw.focus();
    }
    if (!el.until.value && known) el.until.value = wallToDate(startWall + 90 * DAY);
    this.updateVisibility();
    this.toRaw();
  }

  wire() {
    const { el } = this;
    const pick = (value) => {
      this.root.querySelector(`input[name=rr_ends][value=${value}]`).checked = true;
    };
    el.freq.addEventListener("change", () => this.onFrequencyChange());
    for (const input of [el.interval, el.until, el.count]) {
      input.addEventListener("input", () => {
        this.updateVisibility();
        this.toRaw();
      });
    }
    el.until.addEventListener("change", () => { pick("until"); this.toRaw(); });
    el.count.addEventListener("change", () => { pick("count"); this.toRaw(); });
    el.byday.addEventListener("change", () => this.toRaw());
    for (const radio of this.root.querySelectorAll("input[name=rr_ends]")) {
      radio.addEventListener("change", () => this.toRaw());
    }
    el.raw.addEventListener("input", () => this.fromRaw());
  }
}
