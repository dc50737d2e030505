/* Suggestions while typing in the catalogue search box (SPEC C4).
 *
 * Progressive enhancement: the box is a plain GET form that works without this script. With it, the
 * input becomes an ARIA 1.2 combobox with a list popup: titles and authors whose name starts with what is
 * typed (GET data-suggest-url?q=…, JSON). Keys: Down/Up move through the list, Enter opens the highlighted
 * suggestion (or submits the search when none is highlighted), Escape closes the list, Tab leaves it.
 */
(function () {
  "use strict";
  const input = document.querySelector("input[data-suggest-url]");
  if (!input || !window.fetch) return;

  const url = input.dataset.suggestUrl;
  const box = input.closest(".suggest-box") || input.parentNode;
  const list = document.createElement("ul");
  const status = document.createElement("p");
  let items = [];
  let active = -1;
  let timer = 0;
  let controller = null;
  let shownFor = "";

  list.id = input.id + "-listbox";
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", input.dataset.listLabel || "Suggestions");
  list.hidden = true;
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  box.append(list, status);

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    if (!items.length) return;
    active = (index + items.length) % items.length;
    Array.from(list.children).forEach(function (option, n) {
      option.setAttribute("aria-selected", n === active ? "true" : "false");
    });
    const option = list.children[active];
    input.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  }

  function render(found, typed) {
    items = found;
    list.replaceChildren();
    found.forEach(function (suggestion, n) {
      const option = document.createElement("li");
      option.id = list.id + "-" + n;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.className = "suggestion suggestion-" + suggestion.kind;
      const label = document.createElement("span");
      label.className = "suggestion-label";
      label.textContent = suggestion.label;
      option.append(label);
      const detail = suggestion.kind === "author" ? input.dataset.authorLabel || "" : suggestion.detail;
      if (detail) {
        const extra = document.createElement("span");
        extra.className = "suggestion-detail";
        extra.textContent = detail;
        option.append(" ", extra);
      }
      option.addEventListener("click", function () {
        window.location.assign(suggestion.url);
      });
      list.append(option);
    });
    shownFor = typed;
    active = -1;
    input.removeAttribute("aria-activedescendant");
    list.hidden = !found.length;
    input.setAttribute("aria-expanded", found.length ? "true" : "false");
    status.textContent = found.length ? (input.dataset.countMessage || "%(count)s").replace("%(count)s", found.length) : "";
  }

  function load() {
    const typed = input.value.trim();
    if (typed.length < 2) {
      close();
      shownFor = "";
      return;
    }
    if (typed === shownFor) {
      list.hidden = !items.length;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
      return;
    }
    if (controller) controller.abort();
    controller = new AbortController();
    fetch(url + "?q=" + encodeURIComponent(typed), { headers: { Accept: "application/json" }, signal: controller.signal })
      .then(function (response) {
        return response.ok ? response.json() : { suggestions: [] };
      })
      .then(function (data) {
        if (input.value.trim() === typed) render(data.suggestions || [], typed);
      })
      .catch(function () {});
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(load, 120);
  });
  input.addEventListener("keydown", function (event) {
    const open = !list.hidden;
    if (event.key === "ArrowDown") {
      event.preventDefault();
      if (!open) load();
      highlight(active + 1);
    } else if (event.key === "ArrowUp") {
      if (!open) return;
      event.preventDefault();
      highlight(active - 1);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      window.location.assign(items[active].url);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", function () {
    window.setTimeout(close, 150);
  });
  list.addEventListener("mousedown", function (event) {
    event.preventDefault(); // keep focus in the input while a suggestion is clicked
  });
})();
