// The Outlook panel of the calendar page.
//
// * The Sync button answers at once: its form is posted by fetch (POST /outlook/sync asks
//   the background engines for a run), the bar appears, and GET /api/outlook/status is polled
//   for the run's progress ({phase, done, total, label}) until it ends.
// * A background run (the page was opened, a change, a notification) shows the same bar.
// * When the run ends, or the page's change cursor (calendar live.js: "calsync:changes")
//   says the sync state moved, the panel is fetched again (GET /outlook/panel) and swapped in;
//   the grid redraws its changed events by itself.
// * Relative times ("3 minutes ago") are kept fresh by local_times.js.
import { refreshTimes } from "../calendars/local_times.js";

const POLL_MS = 400;
const START_GRACE_MS = 15000;
let polling = false;

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute("content") || "" : "";
}

function panel() {
  return document.getElementById("outlook-panel");
}

function showProgress(progress) {
  const box = panel() && panel().querySelector("#outlook-progress");
  if (!box) return;
  const bar = box.querySelector("progress");
  box.hidden = false;
  if (progress) box.querySelector(".progress-label").textContent = progress.label;
  if (progress && progress.total > 0) {
    bar.max = progress.total;
    bar.value = progress.done;
  } else {
    bar.removeAttribute("value"); // indeterminate while the total is unknown
  }
}

/** Fetch the panel again and swap it in (keeps the log open, and an open "Outlook calendars" as it is). */
async function refreshPanel() {
  const old = panel();
  if (!old) return;
  const answer = await fetch("/outlook/panel", { credentials: "same-origin" });
  if (!answer.ok) return;
  const holder = document.createElement("div");
  holder.innerHTML = await answer.text();
  const fresh = holder.querySelector("#outlook-panel");
  if (!fresh) return;
  const log = old.querySelector("#outlook-log");
  const freshLog = fresh.querySelector("#outlook-log");
  if (log && freshLog && log.open) freshLog.open = true;
  const links = old.querySelector("#outlook-calendars");
  const freshLinks = fresh.querySelector("#outlook-calendars");
  if (links && freshLinks && links.open) freshLinks.replaceWith(links); // keeps choices being made
  old.replaceWith(fresh);
  refreshTimes(fresh);
  wire(fresh);
}

/** The panel's "last sync" (ISO, as the status API gives it), or "" before the first. */
function shownLastSync() {
  const time = panel() && panel().querySelector("#outlook-last-sync time");
  return time ? time.getAttribute("datetime") || "" : "";
}

/**
 * Poll the status while a run goes, then refresh the panel. A run is over when one was
 * seen running and is no more, or when "last sync" moved (a quick run the polls missed);
 * graceMs: how long to wait for a run to show up at all.
 */
async function follow(graceMs) {
  if (polling) return;
  polling = true;
  let seenRunning = false;
  const started = Date.now();
  const lastSync = shownLastSync();
  try {
    for (;;) {
      const answer = await fetch("/api/outlook/status", {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (!answer.ok) break;
      const status = await answer.json();
      if (status.progress) {
        seenRunning = true;
        showProgress(status.progress);
      } else if (seenRunning || (status.last_sync || "") !== lastSync || Date.now() - started > graceMs) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } catch {
    // the network is gone for a moment: the change cursor will bring the panel up to date
  } finally {
    polling = false;
  }
  await refreshPanel();
}

async function askForSync(form) {
  const button = form.querySelector("button[type=submit]");
  if (button) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
  }
  showProgress(null);
  const label = panel().querySelector("#outlook-progress .progress-label");
  if (label) label.textContent = gettext("Waiting for the sync to start…");
  const answer = await fetch(form.action, {
    method: "POST", credentials: "same-origin", body: new FormData(form),
    headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
  });
  if (answer.status === 401 || answer.status === 403 || answer.redirected) {
    window.location.assign(`/accounts/login/?next=${encodeURIComponent(window.location.pathname)}`);
    return;
  }
  await follow(START_GRACE_MS);
}

function wire(root) {
  const form = root.querySelector("form[data-sync-form]");
  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      askForSync(form);
    });
  }
  if (root.dataset.syncRunning === "true") follow(0);
  else if (root.dataset.firstSync === "true") follow(5000); // the first sync starts soon
}

document.addEventListener("calsync:changes", (event) => {
  if (event.detail.changed.includes("outlook") && !polling) {
    if (panel() && panel().querySelector("#outlook-progress")) follow(0);
    else refreshPanel();
  }
});

if (panel()) wire(panel());
