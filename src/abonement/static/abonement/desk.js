/* The circulation desk. The page works without this file (a static file, as the Content-Security-Policy allows
 * no inline handlers); with it:
 * - a scan is sent in the background and only the changing part of the page is replaced, so the input keeps
 *   the focus for the next scan (a USB scanner types digits and Enter) and the server renders less;
 * - Escape closes the open reader (the "Close reader" button without the mouse);
 * - the address of a scan's answer is set back to the desk's, so a reload shows the desk instead of sending
 *   the scan again. */
(function () {
  "use strict";
  var live = document.getElementById("desk-live");
  if (!live) { return; }

  function scanForm() { return live.querySelector("form.desk-scan"); }

  function focusInput() {
    var input = live.querySelector("#desk-override") || live.querySelector("#desk-code");
    if (input) { input.focus(); }
  }

  var form = scanForm();
  if (form && window.history.replaceState && window.location.pathname !== form.dataset.deskUrl) {
    window.history.replaceState(null, "", form.dataset.deskUrl);
  }

  var busy = false;
  live.addEventListener("submit", function (event) {
    var target = event.target;
    if (!target.classList.contains("desk-scan") || !window.fetch) { return; }
    event.preventDefault();
    if (busy) { return; }
    busy = true;
    fetch(target.action, {
      method: "POST",
      body: new FormData(target),
      credentials: "same-origin",
      headers: { "X-Desk-Live": "1" }
    }).then(function (response) {
      return response.text();
    }).then(function (html) {
      live.innerHTML = html;
      busy = false;
      focusInput();
    }, function () {
      busy = false;
      target.submit();  // the network failed: send the scan the plain way, which shows what happened
    });
  });

  document.addEventListener("keydown", function (event) {
    var close = document.getElementById("desk-close");
    if (event.key === "Escape" && close) { event.preventDefault(); close.submit(); }
  });
})();
