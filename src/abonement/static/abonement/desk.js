/* The circulation desk: Escape closes the open reader (the "Close reader" button without the mouse). The page
 * works without it; a static file, as the Content-Security-Policy allows no inline handlers. */
(function () {
  "use strict";
  var close = document.getElementById("desk-close");
  if (!close) { return; }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { event.preventDefault(); close.submit(); }
  });
})();
