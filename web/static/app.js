// casepath UI: repeating form rows (goals, tasks, participants), a long form's outline and
// progress, and focus on errors. (The CSP allows scripts from 'self' only: no inline script.)
(function () {
  "use strict";

  // ---------------------------------------------------------------- progress
  // A section is done when every field it requires is answered; the same rule as
  // web/form_sections.py: required controls count, a group needs its data-min rows, and an
  // untouched row counts for nothing (it is dropped on submit).
  function answered(control) {
    if (control.type === "radio" || control.type === "checkbox") { return control.checked; }
    return control.value.trim() !== "";
  }

  function untouched(row) {
    return !Array.prototype.some.call(row.querySelectorAll("input, select, textarea"), answered);
  }

  function counts(element, section) {
    for (var row = element.closest("fieldset.row"); row && section.contains(row);
         row = row.parentElement.closest("fieldset.row")) {
      if (untouched(row)) { return false; }
    }
    return true;
  }

  function sectionDone(section) {
    var required = section.querySelectorAll("[aria-required=true]");
    for (var i = 0; i < required.length; i++) {
      var control = required[i];
      if (!counts(control, section)) { continue; }
      if (control.type === "radio") {
        var group = control.closest("fieldset") || section;
        if (!group.querySelector("input[type=radio]:checked")) { return false; }
      } else if (!answered(control)) { return false; }
    }
    var groups = Array.prototype.slice.call(section.querySelectorAll("[data-min]"));
    if (section.hasAttribute("data-min")) { groups.push(section); }
    return groups.every(function (group) {
      if (group !== section && !counts(group, section)) { return true; }
      var least = parseInt(group.getAttribute("data-min"), 10) || 0;
      var filled = group.classList.contains("choice-group")
        ? group.querySelectorAll("input:checked").length
        : Array.prototype.filter.call(group.querySelectorAll(":scope > .rows > .row"),
                                      function (row) { return !untouched(row); }).length;
      return filled >= least;
    });
  }

  function updateProgress(form) {
    var outline = form.querySelector(".form-outline[data-live]");
    if (!outline) { return; }
    var done = 0, total = 0;
    outline.querySelectorAll("li[data-for]").forEach(function (item) {
      var section = document.getElementById(item.getAttribute("data-for"));
      if (!section) { return; }
      var optional = item.classList.contains("optional");
      var finished = sectionDone(section);
      item.classList.toggle("done", finished && !optional);
      if (!item.classList.contains("has-error")) {
        item.querySelector(".state").textContent = optional ? "optional" : (finished ? "done" : "");
      }
      if (!optional) { total += 1; done += finished ? 1 : 0; }
    });
    var text = done + " of " + total + " sections done";
    form.querySelectorAll(".progress-text").forEach(function (node) {
      if (node.textContent !== text) { node.textContent = text; }  // the live region speaks on change only
    });
    var bar = outline.querySelector("progress");
    if (bar) { bar.value = done; bar.max = total; }
  }

  // The outline marks where the reader is: the topmost section on screen.
  function followSections(form) {
    var outline = form.querySelector(".form-outline");
    if (!outline || !("IntersectionObserver" in window)) { return; }
    var links = {};
    outline.querySelectorAll("li[data-for] > a").forEach(function (link) {
      links[link.parentElement.getAttribute("data-for")] = link;
    });
    var visible = {};
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) { visible[entry.target.id] = entry.isIntersecting; });
      var first = Object.keys(links).filter(function (id) { return visible[id]; })[0];
      if (!first) { return; }
      Object.keys(links).forEach(function (id) {
        if (id === first) { links[id].setAttribute("aria-current", "location"); }
        else { links[id].removeAttribute("aria-current"); }
      });
    }, {rootMargin: "0px 0px -60% 0px"});
    Object.keys(links).forEach(function (id) {
      var section = document.getElementById(id);
      if (section) { observer.observe(section); }
    });
  }

  document.addEventListener("input", function (event) {
    var form = event.target.closest && event.target.closest("form.task-form");
    if (form) { updateProgress(form); }
  });
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form.task-form");
    if (form) { updateProgress(form); }
  });

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
      var form = group.closest("form.task-form");
      if (form) { updateProgress(form); }
      return;
    }
    var remove = event.target.closest("button.remove-row");
    if (remove) {
      var row = remove.closest("fieldset.row");
      var group = row.closest("fieldset.repeat");
      var form = group.closest("form.task-form");
      row.remove();
      renumber(group);
      if (form) { updateProgress(form); }
      var addButton = group.querySelector(":scope > button.add-row");
      if (addButton) { addButton.focus(); }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.task-form.sectioned").forEach(function (form) {
      updateProgress(form);
      followSections(form);
    });
    var summary = document.getElementById("problem") || document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  });
})();
