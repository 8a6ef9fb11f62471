// Sealdrop pages: progressive enhancement only; every page works without this script.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // "Details" toggles: the user's choice is kept in the cookie the element names (show_upload_details,
  // show_download_details), which the server reads to render it open or closed next time.
  // A details element rendered open fires "toggle" once by itself: only a change of state is the user's.
  document.querySelectorAll("details[data-cookie]").forEach(function (details) {
    var shown = details.open;
    details.addEventListener("toggle", function () {
      if (details.open === shown) { return; }
      shown = details.open;
      document.cookie = details.getAttribute("data-cookie") + "=" + (details.open ? "true" : "false") +
        "; Path=/; Max-Age=31536000; Secure; SameSite=Strict";
    });
  });
  document.querySelectorAll("[data-toggle-password]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-toggle-password"));
    if (!input) { return; }
    var show = button.textContent;
    var hide = document.documentElement.lang === "de" ? "Verbergen" : "Hide";
    button.addEventListener("click", function () {
      var visible = input.type === "text";
      input.type = visible ? "password" : "text";
      button.textContent = visible ? show : hide;
      button.setAttribute("aria-pressed", visible ? "false" : "true");
      input.focus();
    });
  });
});
