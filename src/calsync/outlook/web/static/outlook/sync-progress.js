// The Outlook panel's progress bar: while a sync of this user's account runs (the button's
// request, or a background sync started by opening the page), poll GET /api/outlook/status
// and show its `progress` ({phase, done, total, label}). The button's form still posts
// normally: the browser shows this page, and the bar, until the sync's answer arrives.
const POLL_MS = 400;

function setUp(panel) {
  const box = panel.querySelector("#outlook-progress");
  if (!box) return;
  const bar = box.querySelector("progress");
  const label = box.querySelector(".progress-label");
  let polling = false;

  function show(progress) {
    box.hidden = false;
    label.textContent = progress.label;
    if (progress.total > 0) {
      bar.max = progress.total;
      bar.value = progress.done;
    } else {
      bar.removeAttribute("value"); // indeterminate while the total is unknown
    }
  }

  // untilIdle: reload the page once a run seen running has ended; graceMs: give up after
  // that long if no run shows up (a background sync that has not started yet).
  async function poll(untilIdle, graceMs = Infinity) {
    if (polling) return;
    polling = true;
    let seenRunning = false;
    const started = Date.now();
    try {
      for (;;) {
        if (!seenRunning && Date.now() - started > graceMs) break;
        const answer = await fetch("/api/outlook/status", {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        if (!answer.ok) break;
        const status = await answer.json();
        if (status.progress) {
          seenRunning = true;
          show(status.progress);
        } else if (seenRunning || (untilIdle && graceMs === Infinity)) {
          if (untilIdle) window.location.reload(); // the run ended: show its log
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    } catch (error) {
      // the page is being replaced (the button's answer arrived) or the network is gone
    } finally {
      polling = false;
    }
  }

  const form = panel.querySelector("form[data-sync-form]");
  if (form) {
    form.addEventListener("submit", () => {
      const button = form.querySelector("button[type=submit]");
      if (button) button.setAttribute("aria-busy", "true");
      box.hidden = false;
      poll(false);
    });
  }
  if (panel.dataset.syncRunning === "true") poll(true);
  else if (panel.dataset.firstSync === "true") poll(true, 5000); // the first sync starts soon
}

const panel = document.getElementById("outlook-panel");
if (panel) setUp(panel);
