// The case page's diagram: the case's own process version drawn by bpmn-js (served from
// this site), with the elements the case is at, and the stages around them, highlighted.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var holder = document.getElementById("diagram");
    if (!holder || !window.BpmnJS) { return; }
    var active = JSON.parse(holder.getAttribute("data-active") || "[]");
    var parents = JSON.parse(holder.getAttribute("data-parents") || "{}");
    var viewer = new window.BpmnJS({ container: holder });
    fetch(holder.getAttribute("data-src"), { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get("canvas");
        var registry = viewer.get("elementRegistry");
        var marked = {};
        active.forEach(function (id) {
          marked[id] = "active";
          (parents[id] || []).forEach(function (parent) { if (!marked[parent]) { marked[parent] = "active-stage"; } });
        });
        Object.keys(marked).forEach(function (id) {
          if (registry.get(id)) { canvas.addMarker(id, marked[id]); }
          // A collapsed subprocess also has a plane of its own ("<id>_plane").
        });
        canvas.zoom("fit-viewport");
        // bpmn-js's drill-down buttons carry only a title; a screen reader needs a name.
        holder.querySelectorAll("button.bjs-drilldown:not([aria-label])").forEach(function (button) {
          button.setAttribute("aria-label", button.title || "Open the subprocess");
        });
        holder.setAttribute("data-loaded", "true");
      })
      .catch(function (error) {
        holder.textContent = "The diagram could not be drawn: " + error.message;
        holder.setAttribute("data-loaded", "error");
      });
  });
})();
