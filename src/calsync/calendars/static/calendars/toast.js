// The status line at the bottom of the page: a short message, optionally with one action
// (Undo). Errors stay longer; a message with an action stays until it times out or is used.

export class Toast {
  constructor(el) {
    this.el = el;
    this.timer = null;
  }

  /** Show message; kind "info" or "error"; action {label, run} adds a button. */
  show(message, kind = "info", action = null) {
    const text = document.createElement("span");
    text.className = "toast-text";
    text.textContent = message;
    const parts = [text];
    if (action) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "toast-action";
      button.textContent = action.label;
      button.addEventListener("click", () => {
        this.hide();
        action.run();
      }, { once: true });
      parts.push(button);
    }
    this.el.replaceChildren(...parts);
    this.el.dataset.kind = kind;
    this.el.hidden = false;
    clearTimeout(this.timer);
    const ms = action ? 10000 : kind === "error" ? 8000 : 4000;
    this.timer = setTimeout(() => this.hide(), ms);
  }

  hide() {
    clearTimeout(this.timer);
    this.el.hidden = true;
  }
}
