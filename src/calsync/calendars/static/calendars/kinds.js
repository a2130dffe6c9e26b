// What kind of event an API event is for the person looking, as the legend names them:
// archived, an invitation (someone else organises it: read-only here), in Outlook too (it
// has a copy in the user's Outlook mailbox), or mine (in calsync only).

export const KINDS = ["mine", "outlook", "invitation", "archived"];

/** One of KINDS for an API event. */
export function kindOf(event) {
  if (event.active === false) return "archived";
  if (event.editable === false) return "invitation";
  if (event.outlook || event.in_outlook) return "outlook";
  return "mine";
}
