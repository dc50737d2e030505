/* "All on this page" on the staff Ordered list (progressive enhancement: without it the server does the same). */
(function () {
  var form = document.getElementById("decide");
  if (!form) return;
  var all = form.querySelector("#all-on-page");
  var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="request"]'));
  var out = document.getElementById("ticked");
  function update() {
    var n = boxes.filter(function (b) { return b.checked; }).length;
    all.checked = n > 0 && n === boxes.length;
    all.indeterminate = n > 0 && n < boxes.length;
    out.textContent = n ? out.dataset.template.replace("{count}", n) : "";
  }
  all.addEventListener("change", function () {
    boxes.forEach(function (b) { b.checked = all.checked; });
    update();
  });
  boxes.forEach(function (b) { b.addEventListener("change", update); });
  if (all.checked) boxes.forEach(function (b) { b.checked = true; });
  update();
})();
