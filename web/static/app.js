// casepath UI: repeating form rows (goals, tasks, participants) and focus on errors.
(function () {
  "use strict";

  function renumber(group) {
    var rows = group.querySelectorAll(":scope > .rows > .row");
    rows.forEach(function (row, i) {
      var number = row.querySelector(":scope > legend .row-number");
      if (number) { number.textContent = String(i + 1); }
    });
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("button.add-row");
    if (add) {
      var group = add.closest("fieldset.repeat");
      var depth = group.getAttribute("data-depth");
      var next = parseInt(group.getAttribute("data-next"), 10) || 0;
      var template = group.querySelector(":scope > template");
      var html = template.innerHTML.split("__IDX" + depth + "__").join(String(next));
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var row = holder.firstElementChild;
      group.querySelector(":scope > .rows").appendChild(row);
      group.setAttribute("data-next", String(next + 1));
      renumber(group);
      var first = row.querySelector("input, select, textarea");
      if (first) { first.focus(); }
      return;
    }
    var remove = event.target.closest("button.remove-row");
    if (remove) {
      var row = remove.closest("fieldset.row");
      var group = row.closest("fieldset.repeat");
      row.remove();
      renumber(group);
      var addButton = group.querySelector(":scope > button.add-row");
      if (addButton) { addButton.focus(); }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("problem") || document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
})();
