// Live updates: the page asks GET /api/changes (one cheap query per part) every second while
// it is visible, and every 15 s while hidden. When the "events" part moves, onEvents(stamp)
// redraws what changed since ``stamp`` (the part's previous stamp, see stamp()); every change is also announced as a "calsync:changes" DOM event
// ({detail: {parts, changed: [names]}}) for other parts of the page (the Outlook panel).
// Another tab of the same browser is heard at once through a BroadcastChannel.

const VISIBLE_MS = 1000;
const HIDDEN_MS = 15000;

export class LiveUpdates {
  constructor({ url, onEvents }) {
    this.url = url;
    this.onEvents = onEvents;
    this.parts = null;
    this.timer = null;
    this.busy = false;
    this.stopped = false;
    this.channel = "BroadcastChannel" in window ? new BroadcastChannel("calsync-changes") : null;
  }

  start() {
    if (!this.url) return;
    if (this.channel) this.channel.onmessage = () => this.check();
    document.addEventListener("visibilitychange", () => this.schedule(0));
    document.addEventListener("calsync:changed-here", () => {
      if (this.channel) this.channel.postMessage("changed");
    });
    this.schedule(0);
  }

  /**
   * Count changes from `parts`, a cursor read earlier (before the page's first window of
   * events was read): the next look redraws whatever changed since, even if a look has
   * already read a newer cursor meanwhile.
   */
  since(parts) {
    this.parts = parts;
  }

  /** The stamp of the last "events" part seen (microseconds), or null before the first. */
  stamp() {
    return LiveUpdates.stampOf(this.parts && this.parts.events);
  }

  static stampOf(part) {
    const head = String(part || "").split(".")[0];
    return /^[0-9]{1,16}$/.test(head) ? Number(head) : null;
  }

  schedule(ms) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.check(), ms);
  }

  async check() {
    if (this.busy) return;
    this.busy = true;
    try {
      const answer = await fetch(this.url, {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
      if (answer.status === 401 || answer.status === 403) {
        this.stopped = true; // the session ended: the next write sends the person to log in
        return;
      }
      if (answer.ok) await this.compare((await answer.json()).parts || {});
    } catch {
      // offline for a moment: the next look tries again
    } finally {
      this.busy = false;
      if (!this.stopped) this.schedule(document.hidden ? HIDDEN_MS : VISIBLE_MS);
    }
  }

  async compare(parts) {
    const before = this.parts;
    this.parts = parts;
    if (before === null) return;
    const changed = Object.keys(parts).filter((name) => parts[name] !== before[name]);
    if (!changed.length) return;
    if (changed.includes("events")) await this.onEvents(LiveUpdates.stampOf(before.events));
    document.dispatchEvent(new CustomEvent("calsync:changes", { detail: { parts, changed } }));
  }
}
