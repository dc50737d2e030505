/* The circulation desk: Escape closes the open reader (the "Close reader" button without the mouse), and the
 * address of a scan's answer is set back to the desk's, so that a reload shows the desk instead of sending the
 * scan again. The page works without it; a static file, as the Content-Security-Policy allows no inline
 * handlers. */
(function () {
  "use strict";
  var form = document.querySelector("form.desk-scan");
  if (form && window.history.replaceState && window.location.pathname !== form.dataset.deskUrl) {
    window.history.replaceState(null, "", form.dataset.deskUrl);
  }
  var close = document.getElementById("desk-close");
  if (!close) { return; }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); close.submit(); }
  });
})();
