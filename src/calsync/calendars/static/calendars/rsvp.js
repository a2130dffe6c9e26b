// Accept / Tentative / Decline for an invitation: an event the user attends without
// organising it (the API's `my_response` is not null). The answer goes to
// POST /api/events/<id>/respond with the optional comment and whether the organiser is
// told; on an occurrence of a series it asks first whether it answers that occurrence, it
// and the following ones (each answered on its own, up to two years ahead), or the whole
// series. The sync takes it to Outlook.

import { request } from "./api.js";
import { ask } from "./choice.js";
import { answerOf } from "./attendees.js";

const DONE = {
  accepted: () => gettext("You accepted the meeting."),
  tentative: () => gettext("You answered the meeting tentatively."),
  declined: () => gettext("You declined the meeting: it has left your calendar."),
};

export class RsvpBar {
  /**
   * root: the bar (its buttons carry data-response); current: where the answer is shown;
   * comment, send: the comment field and the "tell the organiser" box; eventUrl(id) -> URL;
   * run(action): the editor's way to make a write (busy state, errors, closing, toast).
   */
  constructor({ root, current, comment, send, eventUrl, run }) {
    Object.assign(this, { root, current, comment, send, eventUrl, run });
    this.event = null;
    this.buttons = [...root.querySelectorAll("button[data-response]")];
    for (const button of this.buttons) {
      button.addEventListener("click", () => this.answer(button.dataset.response));
    }
  }

  /** Show the bar for `event` when it is an invitation (else hide it). */
  show(event) {
    const invited = Boolean(event) && event.my_response !== null && event.my_response !== undefined;
    this.event = invited ? event : null;
    this.root.hidden = !invited;
    if (!invited) return;
    const answer = answerOf(event.my_response);
    this.current.textContent = answer.label;
    this.current.className = `rsvp-current chip-${answer.status}`;
    for (const button of this.buttons) {
      button.setAttribute("aria-pressed", String(button.dataset.response === event.my_response));
    }
    this.comment.value = "";
    this.send.checked = true;
  }

  setBusy(busy) {
    for (const button of this.buttons) button.disabled = busy;
  }

  async answer(response) {
    const event = this.event;
    if (!event) return;
    let target = event.id;
    let following = false;
    const recurring = event.series_id !== null && event.series_id !== undefined;
    await this.run(async () => {
      if (recurring) {
        const scope = await ask({
          title: gettext("Answer a recurring meeting"),
          message: gettext("Answer for:"),
          note: gettext("Following occurrences are answered one by one in Outlook (up to two years ahead): the organiser gets an answer for each."),
          choices: [
            { value: "occurrence", label: gettext("This occurrence") },
            { value: "following", label: gettext("This and following occurrences") },
            { value: "series", label: gettext("The whole series"), kind: "primary" },
          ],
        });
        if (!scope) return null;
        if (scope === "series") target = event.series_id;
        following = scope === "following";
      }
      await request("POST", `${this.eventUrl(target)}/respond`, {
        response, comment: this.comment.value.trim(), send: this.send.checked, following,
      });
      return DONE[response]();
    });
  }
}
