/* Site-wide behaviour of every page (no inline scripts anywhere):
 * forms marked .js-autosubmit submit when a <select> changes, and their
 * .js-hide submit buttons (the no-JavaScript fallback) are hidden. */
(function () {
  "use strict";
  document.querySelectorAll("form.js-autosubmit").forEach(function (form) {
    form.querySelectorAll(".js-hide").forEach(function (el) { el.hidden = true; });
    form.querySelectorAll("select").forEach(function (select) {
      select.addEventListener("change", function () { form.requestSubmit(); });
    });
  });
})();
