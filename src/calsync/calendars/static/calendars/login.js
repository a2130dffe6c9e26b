/* The login form sends the browser's time zone: a user's first login keeps it as theirs. */
(function () {
  "use strict";
  var field = document.getElementById("id_time_zone");
  if (!field) return;
  try {
    field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    field.value = "";
  }
})();
