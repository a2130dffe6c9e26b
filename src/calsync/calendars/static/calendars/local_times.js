// Times in words, on every page: a <time datetime="ISO" data-relative> shows "3 minutes ago"
// in the page's language (Intl.RelativeTimeFormat) and keeps its exact time (rendered by
// Django in the user's zone) as the hover title. Refreshed every 30 s.

const UNITS = [
  ["year", 365 * 86400], ["month", 30 * 86400], ["week", 7 * 86400],
  ["day", 86400], ["hour", 3600], ["minute", 60],
];

/** "3 minutes ago" / "in 2 hours" / "now" for an instant, in language. */
export function relativeTime(instant, language, now = Date.now()) {
  const seconds = Math.round((instant - now) / 1000);
  const format = new Intl.RelativeTimeFormat(language, { numeric: "auto" });
  if (Math.abs(seconds) < 45) return format.format(0, "second");
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size * 0.9 || unit === "minute") {
      return format.format(Math.round(seconds / size), unit);
    }
  }
  return "";
}

/** Rewrite every relative <time> under root. */
export function refreshTimes(root = document) {
  const language = document.documentElement.lang || "en";
  for (const el of root.querySelectorAll("time[data-relative]")) {
    const instant = Date.parse(el.getAttribute("datetime"));
    if (Number.isNaN(instant)) continue;
    if (!el.title) el.title = el.textContent.trim();
    el.textContent = relativeTime(instant, language);
  }
}

refreshTimes();
setInterval(() => refreshTimes(), 30000);
