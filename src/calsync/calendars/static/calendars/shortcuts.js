// Keyboard shortcuts of the calendar, as in the peers: t today, d/w/m/a day, week, month,
// agenda, n new event, / search, arrows (or j/k) previous and next. Never while typing, while
// a dialog is open, or with a modifier key held.

const VIEW_KEYS = { d: "timeGridDay", w: "timeGridWeek", m: "dayGridMonth", a: "listWeek" };

function typing(target) {
  return target instanceof HTMLElement
    && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

/** actions: {today, view(name), prev, next, create, search, busy() -> bool}. */
export function bindShortcuts(actions) {
  document.addEventListener("keydown", (key) => {
    if (key.defaultPrevented || key.altKey || key.ctrlKey || key.metaKey) return;
    if (typing(key.target) || actions.busy()) return;
    const name = key.key.length === 1 ? key.key.toLowerCase() : key.key;
    let handled = true;
    if (name === "t") actions.today();
    else if (VIEW_KEYS[name]) actions.view(VIEW_KEYS[name]);
    else if (name === "ArrowLeft" || name === "k") actions.prev();
    else if (name === "ArrowRight" || name === "j") actions.next();
    else if (name === "n" || name === "c") actions.create();
    else if (name === "/") actions.search();
    else handled = false;
    if (handled) key.preventDefault();
  });
}
