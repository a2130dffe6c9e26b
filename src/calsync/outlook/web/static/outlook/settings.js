// The Outlook settings page: copy the Redirect URI, and keep it in step with the Base URL field.
(function () {
  "use strict";
  var input = document.getElementById("redirect-uri");
  var button = document.getElementById("copy-redirect-uri");
  var baseUrl = document.getElementById("id_base_url");
  if (!input || !button) {
    return;
  }
  if (baseUrl) {
    baseUrl.addEventListener("input", function () {
      var base = baseUrl.value.trim().replace(/\/+$/, "");
      if (/^https?:\/\/[^\s/?#]+/i.test(base)) {
        input.value = base + input.getAttribute("data-path");
      }
    });
  }
  button.addEventListener("click", function () {
    var label = button.textContent;
    function done() {
      button.textContent = button.getAttribute("data-copied");
      window.setTimeout(function () { button.textContent = label; }, 1500);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () {
        input.select();
      });
    } else {
      input.select();
      if (document.execCommand && document.execCommand("copy")) {
        done();
      }
    }
  });
})();
