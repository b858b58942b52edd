// bpmn-js and dmn-js leave out of the XML any attribute whose value is the schema's
// default (cancelActivity="true", isInterrupting="true", hitPolicy="UNIQUE"…), so a
// diagram saved unedited would differ from the one opened. Forgetting the defaults once
// every type is built keeps them as the elements' values while the writer keeps every
// attribute the file states.
(function () {
  "use strict";

  function properties(type) { return (type.prototype.$descriptor || {}).properties || []; }

  window.casepathKeepDefaults = function (moddle) {
    var typeMap = moddle.registry.typeMap;
    // Descriptors are shared by every modeler of the page: put back what an earlier one took.
    Object.keys(typeMap).forEach(function (name) {
      (typeMap[name].properties || []).forEach(function (property) {
        if (property.casepathDefault !== undefined) { property.default = property.casepathDefault; }
      });
    });
    // Build every type first: its prototype takes the defaults as it is built.
    // (Types that only extend others, like bioc:ColoredShape, are never built themselves.)
    var types = Object.keys(typeMap).filter(function (name) { return !typeMap[name].isAbstract && !(typeMap[name]["extends"] || []).length; })
      .map(function (name) { return moddle.getType(name); });
    types.forEach(function (type) {
      properties(type).forEach(function (property) {
        if (property.default !== undefined && !property.isMany) {
          property.casepathDefault = property.default;
          delete property.default;
        }
      });
    });
  };
})();
