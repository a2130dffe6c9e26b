// Text helpers of the editor: the HTML description as plain text and back, and the
// attendee list as lines ("Name <email>" or "email").

const EMAIL_MAX = 254; // the server's limits (Django's EmailField, an attendee's name)
const NAME_MAX = 255;
const EMAIL = /^[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;]+$/;

/** Readable text of an HTML description (scripts never run: DOMParser makes an inert doc). */
export function htmlToText(html) {
  if (!html) return "";
  if (!/[<&]/.test(html)) return html;
  const doc = new DOMParser().parseFromString(html, "text/html");
  doc.querySelectorAll("style,script,title").forEach((el) => el.remove());
  doc.querySelectorAll("br").forEach((el) => el.replaceWith("\n"));
  doc.querySelectorAll("p,div,li,tr,h1,h2,h3,h4,h5,h6").forEach((el) => el.append("\n"));
  return (doc.body ? doc.body.textContent : "").replace(/\n{3,}/g, "\n\n").trim();
}

/** HTML for typed text: escaped, line breaks kept. */
export function textToHtml(text) {
  const escaped = text
    .replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
  return escaped.replace(/\r?\n/g, "<br>\n");
}

/** Lines of the attendee box for a list of {email, name}. */
export function formatAttendees(attendees) {
  return (attendees || [])
    .map((a) => (a.name && a.name !== a.email ? `${a.name} <${a.email}>` : a.email))
    .join("\n");
}

/** Whether an attendee line is past the server's limits (its email or its name too long). */
export function tooLong(line) {
  const bracketed = /^(.*?)\s*<\s*([^<>\s]+)\s*>$/.exec(line.trim());
  const email = (bracketed ? bracketed[2] : line).trim();
  const name = bracketed ? bracketed[1].trim().replace(/^"(.*)"$/, "$1") : "";
  return email.length > EMAIL_MAX || name.length > NAME_MAX;
}

/**
 * {attendees: [{email, name}], invalid: [line, ...]} of the attendee box's text;
 * duplicates (same email, any case) are dropped.
 */
export function parseAttendees(text) {
  const attendees = [];
  const invalid = [];
  const seen = new Set();
  for (const raw of (text || "").split(/\r?\n/)) {
    const line = raw.trim().replace(/[,;]+$/, "");
    if (!line) continue;
    const bracketed = /^(.*?)\s*<\s*([^<>\s]+)\s*>$/.exec(line);
    const email = (bracketed ? bracketed[2] : line).trim();
    const name = bracketed ? bracketed[1].trim().replace(/^"(.*)"$/, "$1") : "";
    if (!EMAIL.test(email) || email.length > EMAIL_MAX || name.length > NAME_MAX) {
      invalid.push(line);
      continue;
    }
    const key = email.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    attendees.push({ email, name });
  }
  return { attendees, invalid };
}
