// The recurrence builder's model: a small subset of RFC 5545 RRULE that a form can show.
//
// spec = {freq: "" | "DAILY" | "WEEKLY" | "MONTHLY" | "YEARLY", interval: n,
//         byday: ["MO", ...], ends: "never" | "until" | "count", until: "YYYY-MM-DD", count: n}
// parseRule() returns null for a rule the builder cannot show; the raw field keeps it.

import { DAY, dateToWall, instantFromWall, wallMs, wallToDate } from "./tz.js";

export const WEEKDAYS = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"]; // index = Date#getUTCDay()
export const FREQUENCIES = ["DAILY", "WEEKLY", "MONTHLY", "YEARLY"];
const BUILDER_KEYS = new Set(["FREQ", "INTERVAL", "BYDAY", "UNTIL", "COUNT", "WKST"]);

/** An empty spec: "does not repeat". */
export function emptySpec() {
  return { freq: "", interval: 1, byday: [], ends: "never", until: "", count: 10 };
}

/**
 * The builder spec of a rule string, or null when it uses parts the builder lacks.
 * `zone` reads a UTC UNTIL back as a date on the event's wall clock.
 */
export function parseRule(rule, zone) {
  const text = (rule || "").trim().replace(/^RRULE:/i, "");
  const spec = emptySpec();
  if (!text) return spec;
  const parts = {};
  for (const piece of text.split(";")) {
    if (!piece) continue;
    const [key, value, ...rest] = piece.split("=");
    if (value === undefined || rest.length) return null;
    const upper = key.trim().toUpperCase();
    if (!BUILDER_KEYS.has(upper) || upper in parts) return null;
    parts[upper] = value.trim().toUpperCase();
  }
  if (!FREQUENCIES.includes(parts.FREQ)) return null;
  spec.freq = parts.FREQ;
  if (parts.INTERVAL !== undefined) {
    if (!/^\d{1,3}$/.test(parts.INTERVAL) || Number(parts.INTERVAL) < 1) return null;
    spec.interval = Number(parts.INTERVAL);
  }
  if (parts.BYDAY !== undefined) {
    const days = parts.BYDAY.split(",");
    if (spec.freq !== "WEEKLY" || !days.every((d) => WEEKDAYS.includes(d))) return null;
    spec.byday = days;
  }
  if (parts.UNTIL !== undefined && parts.COUNT !== undefined) return null;
  if (parts.COUNT !== undefined) {
    if (!/^\d{1,4}$/.test(parts.COUNT) || Number(parts.COUNT) < 1) return null;
    spec.ends = "count";
    spec.count = Number(parts.COUNT);
  }
  if (parts.UNTIL !== undefined) {
    const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(parts.UNTIL);
    if (!m) return null;
    let date = `${m[1]}-${m[2]}-${m[3]}`;
    if (m[7] === "Z" && zone) {
      const instant = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
      date = wallToDate(wallMs(instant, zone));
    }
    spec.ends = "until";
    spec.until = date;
  }
  return spec;
}

function untilValue(date, allDay, zone) {
  const compact = date.replaceAll("-", "");
  if (allDay) return compact;
  // The last second of that day on the event's wall clock, written in UTC as RFC 5545 asks.
  const instant = instantFromWall(dateToWall(date) + DAY - 1000, zone);
  return new Date(instant).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/** The RRULE string of a spec (null for "does not repeat"). */
export function buildRule(spec, { allDay, zone }) {
  if (!spec.freq) return null;
  const parts = [`FREQ=${spec.freq}`];
  const interval = Math.max(1, Math.floor(Number(spec.interval) || 1));
  if (interval > 1) parts.push(`INTERVAL=${interval}`);
  if (spec.freq === "WEEKLY" && spec.byday.length) {
    const ordered = WEEKDAYS.slice(1).concat(WEEKDAYS[0]).filter((d) => spec.byday.includes(d));
    parts.push(`BYDAY=${ordered.join(",")}`);
  }
  if (spec.ends === "count") parts.push(`COUNT=${Math.max(1, Math.floor(Number(spec.count) || 1))}`);
  if (spec.ends === "until" && !Number.isNaN(dateToWall(spec.until))) {
    parts.push(`UNTIL=${untilValue(spec.until, allDay, zone)}`);
  }
  return parts.join(";");
}
