// A modal question with one button per answer (the <dialog id="choice-dialog">).

/**
 * Ask a question; resolves to the chosen value, or null for Cancel or Escape.
 * choices: [{value, label, kind?: "primary" | "danger", disabled?: bool}]
 */
export function ask({ title, message, note = "", choices }) {
  const dialog = document.getElementById("choice-dialog");
  const actions = document.getElementById("choice-actions");
  document.getElementById("choice-title").textContent = title;
  document.getElementById("choice-message").textContent = message;
  const noteEl = document.getElementById("choice-note");
  noteEl.textContent = note;
  noteEl.hidden = !note;
  actions.replaceChildren();
  const all = [...choices, { value: "cancel", label: gettext("Cancel"), kind: "quiet" }];
  for (const choice of all) {
    const button = document.createElement("button");
    button.type = "submit";
    button.value = choice.value;
    button.textContent = choice.label;
    button.className = `btn${choice.kind ? ` btn-${choice.kind}` : ""}`;
    button.dataset.choice = choice.value;
    button.disabled = Boolean(choice.disabled);
    actions.append(button);
  }
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      const value = dialog.returnValue;
      resolve(value && value !== "cancel" ? value : null);
    }, { once: true });
    dialog.showModal();
    const first = actions.querySelector("button:not([disabled])");
    if (first) first.focus();
  });
}

/** "This occurrence" or "The whole series" (or null) for a change to a recurring event. */
export function askScope({ title, message, seriesOnlyNote = "" }) {
  return ask({
    title,
    message,
    note: seriesOnlyNote,
    choices: [
      { value: "occurrence", label: gettext("This occurrence"), disabled: Boolean(seriesOnlyNote) },
      { value: "series", label: gettext("The whole series"), kind: "primary" },
    ],
  });
}
