/* Print buttons (<button data-print>): the page's own print dialog. A static file, as the Content-Security-Policy
 * allows no inline handlers. */
(function () {
  "use strict";
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
