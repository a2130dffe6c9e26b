// An API event as FullCalendar event props: the one place that decides how an event looks,
// used both when a window is drawn (calendar.js's event source) and when a live update
// changes a drawn event in place (applyProps), so the two never disagree.
//
// The design (calendar.css, calendar_list.css, the legend): an event is filled with its
// calendar's colour (a pale tint of it when shown as free; archived ones keep their grey);
// its left edge is its kind's colour (kinds.js: mine, from Outlook, invitation, archived);
// tentative ones are hatched. The fill comes from `look(event)` (CalendarList.look), the
// edge and the rest from the class names.

import { kindOf } from "./kinds.js";

/** The props a live update sets again on a drawn event (besides its dates and API event). */
export const UPDATED_PROPS = ["title", "classNames", "editable", "backgroundColor", "borderColor", "textColor"];

function hasSeries(event) {
  return event.series_id !== null && event.series_id !== undefined;
}

/**
 * FullCalendar props for an API event (the API event rides in extendedProps.api). clock:
 * the page's Clock (wall values); look(event): {backgroundColor?, textColor?} of its
 * calendar. Every colour prop is present ("" when the CSS decides), so that setting them
 * again on a drawn event also clears a colour it no longer has.
 */
export function eventProps(event, { clock, look }) {
  const kind = kindOf(event);
  const classes = [`show-as-${event.show_as || "busy"}`, `kind-${kind}`];
  if (event.active === false) classes.push("is-archived");
  if (kind === "invitation") classes.push("is-readonly");
  if (hasSeries(event) || event.recurrence) classes.push("is-recurring");
  const colours = look(event) || {};
  return {
    id: String(event.id),
    title: event.title || gettext("(no title)"),
    start: clock.toCalendar(event.start, event.all_day),
    end: event.end ? clock.toCalendar(event.end, event.all_day) : undefined,
    allDay: Boolean(event.all_day),
    editable: event.editable !== false,
    classNames: classes,
    backgroundColor: colours.backgroundColor || "",
    borderColor: "", // the edges are the kind's (CSS)
    textColor: colours.textColor || "",
    extendedProps: { api: event },
  };
}

/** Give a drawn FullCalendar event the props `fresh` (from eventProps) in place. */
export function applyProps(shown, fresh) {
  shown.setExtendedProp("api", fresh.extendedProps.api);
  for (const name of UPDATED_PROPS) shown.setProp(name, fresh[name]);
  shown.setDates(fresh.start, fresh.end === undefined ? null : fresh.end, { allDay: fresh.allDay });
}
