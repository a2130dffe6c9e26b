// What kind of event an API event is for the person looking, as the legend names them:
// archived, an invitation (someone else organises it: read-only here), from Outlook (a sync
// brought it in: it was made in Outlook, not here, and is still linked there), or mine (made
// in calsync, whether or not it also has a copy in Outlook).

export const KINDS = ["mine", "outlook", "invitation", "archived"];

/** One of KINDS for an API event. */
export function kindOf(event) {
  if (event.active === false) return "archived";
  if (event.mirror) return "outlook"; // a busy or redacted copy of an Outlook calendar's event
  if (event.editable === false) return "invitation";
  if (event.from_outlook) return "outlook";
  return "mine";
}
