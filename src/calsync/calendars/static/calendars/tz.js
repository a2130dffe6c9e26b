// Time-zone arithmetic on "wall" values, with no library: the browser's Intl data only.
//
// A *wall* value is a number of milliseconds whose UTC reading is the clock on the wall
// in some zone (2026-11-24 09:00 in Paris is Date.UTC(2026, 10, 24, 9, 0)). All-day dates
// are walls at midnight. Instants are ordinary epoch milliseconds.

export const DAY = 86400000;
const formatters = new Map();
const pad = (n, width = 2) => String(n).padStart(width, "0");

function formatter(zone) {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
      hour: "numeric", minute: "numeric", second: "numeric",
    });
    formatters.set(zone, f);
  }
  return f;
}

/** True when the browser knows the IANA zone name. */
export function isValidZone(zone) {
  if (!zone || typeof zone !== "string") return false;
  try { formatter(zone); return true; } catch { return false; }
}

/** The browser's own IANA zone (the default for new events). */
export function browserZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** The wall value of an instant in a zone. */
export function wallMs(instant, zone) {
  const p = {};
  for (const { type, value } of formatter(zone).formatToParts(new Date(instant))) p[type] = value;
  const hour = p.hour === "24" ? 0 : Number(p.hour);
  const millis = ((instant % 1000) + 1000) % 1000;
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), hour,
    Number(p.minute), Number(p.second)) + millis;
}

/**
 * The instant at which a zone's clock shows a wall value. A repeated hour (DST ends) gives
 * the earlier instant; a skipped hour (DST starts) lands after the gap, as Python's zoneinfo
 * does with fold=0.
 */
export function instantFromWall(wall, zone) {
  const offsetAt = (instant) => wallMs(instant, zone) - instant;
  const first = wall - offsetAt(wall);
  const second = wall - offsetAt(first);
  const third = wall - offsetAt(second);
  const exact = [first, second, third].filter((instant) => wallMs(instant, zone) === wall);
  return exact.length ? Math.min(...exact) : Math.max(first, second);
}

/** "YYYY-MM-DD" of a wall value. */
export function wallToDate(wall) {
  const d = new Date(wall);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** "YYYY-MM-DDTHH:MM" of a wall value (a datetime-local input's value). */
export function wallToLocalInput(wall) {
  const d = new Date(wall);
  return `${wallToDate(wall)}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** The wall value of "YYYY-MM-DD", or NaN. */
export function dateToWall(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || "");
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
}

/** The wall value of "YYYY-MM-DDTHH:MM[:SS]", or NaN. */
export function localInputToWall(value) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value || "");
  if (!m) return NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]),
    Number(m[6] || 0));
}

/** ISO 8601 with the zone's offset at that instant: "2026-11-24T09:00:00+01:00". */
export function isoWithOffset(instant, zone) {
  const wall = wallMs(instant, zone);
  const offsetMinutes = Math.round((wall - instant) / 60000);
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  const seconds = pad(new Date(wall).getUTCSeconds());
  return `${wallToLocalInput(wall)}:${seconds}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The wall value, at midnight, of a Date's calendar day in the browser's zone. */
export function localDayWall(date) {
  return Date.UTC(date.getFullYear(), date.getMonth(), date.getDate());
}
