// Reading and editing a BPMN element's SpiffWorkflow extensions through the modeler's
// commands (so undo works and the diagram knows it changed): text extensions such as
// preScript, postScript and instructionsForEndUser, and the spiffworkflow:property list.
(function () {
  "use strict";

  window.casepathExtensions = function (modeler) {
    function bo(element) { return element.businessObject; }
    function values(element) { var ext = bo(element).extensionElements; return (ext && ext.values) || []; }
    function find(element, type) { return values(element).filter(function (v) { return v.$type === type; })[0] || null; }

    function container(element) {
      var ext = bo(element).extensionElements;
      if (!ext) {
        ext = modeler.get("moddle").create("bpmn:ExtensionElements", { values: [] });
        ext.$parent = bo(element);
        modeler.get("modeling").updateProperties(element, { extensionElements: ext });
      }
      return ext;
    }

    function add(element, node) {
      var ext = container(element);
      node.$parent = ext;
      modeler.get("modeling").updateModdleProperties(element, ext, { values: (ext.values || []).concat([node]) });
    }

    function remove(element, node) {
      var ext = container(element);
      modeler.get("modeling").updateModdleProperties(element, ext, { values: ext.values.filter(function (v) { return v !== node; }) });
    }

    function text(element, type) { var node = find(element, type); return (node && node.value) || ""; }

    function setText(element, type, value) {
      var node = find(element, type);
      if (node && value) { modeler.get("modeling").updateModdleProperties(element, node, { value: value }); }
      else if (node && !value) { remove(element, node); }
      else if (value) { add(element, modeler.get("moddle").create(type, { value: value })); }
    }

    function properties(element) {
      var found = find(element, "spiffworkflow:Properties");
      return ((found && found.properties) || []).map(function (p) { return [p.name, p.value]; });
    }

    function property(element, name) {
      var match = properties(element).filter(function (p) { return p[0] === name; })[0];
      return match ? match[1] : "";
    }

    function setProperty(element, name, value) {
      var modeling = modeler.get("modeling"), moddle = modeler.get("moddle");
      var props = find(element, "spiffworkflow:Properties");
      if (!props) {
        if (!value) { return; }
        props = moddle.create("spiffworkflow:Properties", { properties: [] });
        add(element, props);
      }
      var list = (props.properties || []).slice();
      var existing = list.filter(function (p) { return p.name === name; })[0];
      if (existing && value) {
        modeling.updateModdleProperties(element, existing, { value: value });
      } else if (existing && !value) {
        modeling.updateModdleProperties(element, props, { properties: list.filter(function (p) { return p !== existing; }) });
      } else if (value) {
        var created = moddle.create("spiffworkflow:Property", { name: name, value: value });
        created.$parent = props;
        modeling.updateModdleProperties(element, props, { properties: list.concat([created]) });
      }
    }

    return { text: text, setText: setText, properties: properties, property: property, setProperty: setProperty };
  };
})();
