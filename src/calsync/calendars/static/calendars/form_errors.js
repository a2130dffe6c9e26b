// Error messages of a form: next to their field ([data-error-for=<field>] inside a
// [data-field] box), the rest in one alert at the top.

export class FormErrors {
  /** form: the <form>; alert: the element for messages that belong to no shown field. */
  constructor(form, alert, fields) {
    this.form = form;
    this.alert = alert;
    this.fields = new Set(fields);
  }

  clear() {
    this.alert.hidden = true;
    this.alert.replaceChildren();
    for (const slot of this.form.querySelectorAll("[data-error-for]")) {
      slot.hidden = true;
      slot.textContent = "";
    }
    for (const input of this.form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  }

  /** Show {field: [messages]} ("__all__" for the whole form) and focus the first bad input. */
  show(errors) {
    const general = [];
    let first = null;
    for (const [field, messages] of Object.entries(errors)) {
      const slot = this.fields.has(field) && this.form.querySelector(`[data-error-for="${field}"]`);
      if (!slot) {
        general.push(...messages.map((m) => (field === "__all__" ? m : `${field}: ${m}`)));
        continue;
      }
      slot.textContent = messages.join(" ");
      slot.hidden = false;
      const box = slot.closest("[data-field]");
      const input = box && [...box.querySelectorAll("input, select, textarea")]
        .find((candidate) => candidate.offsetParent !== null);
      if (input) {
        input.setAttribute("aria-invalid", "true");
        first ||= input;
      }
    }
    if (general.length) {
      const list = document.createElement("ul");
      for (const message of general) {
        const item = document.createElement("li");
        item.textContent = message;
        list.append(item);
      }
      this.alert.replaceChildren(list);
      this.alert.hidden = false;
    }
    if (first) first.focus();
  }
}
