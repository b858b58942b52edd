// SpiffWorkflow (and SpiffArena) name a multi-instance's input and output collections by the
// task-data variable: <bpmn:loopDataInputRef>findings</bpmn:loopDataInputRef>. bpmn-js reads
// that as an id reference, warns "unresolved reference" and drops it on save. These helpers
// remember such references when a file opens and put them back into what bpmn-js saves, so
// the round trip keeps them and the warning is not taken for a lossy import.
(function () {
  "use strict";
  var BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL";
  var KINDS = ["loopDataInputRef", "loopDataOutputRef"];
  // Schema order inside multiInstanceLoopCharacteristics: where each reference goes back.
  var AFTER = { loopDataInputRef: ["loopCardinality"], loopDataOutputRef: ["loopCardinality", "loopDataInputRef"] };

  function loops(doc) { return Array.prototype.slice.call(doc.getElementsByTagNameNS(BPMN, "multiInstanceLoopCharacteristics")); }

  function remember(xml) {
    var doc = new DOMParser().parseFromString(xml, "application/xml"), found = {};
    loops(doc).forEach(function (loop) {
      var owner = loop.parentNode && loop.parentNode.getAttribute && loop.parentNode.getAttribute("id");
      if (!owner) { return; }
      KINDS.forEach(function (kind) {
        var ref = loop.getElementsByTagNameNS(BPMN, kind)[0];
        if (ref && ref.textContent.trim()) {
          found[owner] = found[owner] || {};
          found[owner][kind] = ref.textContent.trim();
        }
      });
    });
    return found;
  }

  function benign(warning, kept) {
    var match = /unresolved reference <([^>]+)>/.exec(String(warning.message || warning));
    if (!match) { return false; }
    return Object.keys(kept).some(function (owner) {
      return KINDS.some(function (kind) { return kept[owner][kind] === match[1]; });
    });
  }

  function restore(xml, kept) {
    if (!kept || !Object.keys(kept).length) { return xml; }
    var doc = new DOMParser().parseFromString(xml, "application/xml");
    loops(doc).forEach(function (loop) {
      var owner = loop.parentNode.getAttribute("id"), refs = kept[owner];
      if (!refs) { return; }
      KINDS.forEach(function (kind) {
        if (!refs[kind] || loop.getElementsByTagNameNS(BPMN, kind)[0]) { return; }
        var node = doc.createElementNS(BPMN, (loop.prefix ? loop.prefix + ":" : "") + kind);
        node.textContent = refs[kind];
        var before = null;
        for (var child = loop.firstElementChild; child; child = child.nextElementSibling) {
          if (AFTER[kind].indexOf(child.localName) < 0) { before = child; break; }
        }
        loop.insertBefore(node, before);
      });
    });
    return new XMLSerializer().serializeToString(doc);
  }

  window.casepathLoopRefs = { remember: remember, benign: benign, restore: restore };
})();
