// SpiffWorkflow's extension elements (the xsd SpiffWorkflow 3.2 parses, and what SpiffArena
// writes), described for bpmn-js. Every element of the spiffworkflow namespace a diagram
// holds must be described here: bpmn-js drops a registered namespace's unknown elements.
(function () {
  "use strict";

  function text(name) {
    return { name: name, superClass: ["Element"], properties: [{ name: "value", isBody: true, type: "String" }] };
  }
  function attrs(name, names) {
    return { name: name, superClass: ["Element"],
             properties: names.map(function (n) { return { name: n, isAttr: true, type: "String" }; }) };
  }
  function list(name, property, type) {
    return { name: name, superClass: ["Element"], properties: [{ name: property, type: type, isMany: true }] };
  }

  window.casepathSpiffModdle = {
    name: "SpiffWorkflow", uri: "http://spiffworkflow.org/bpmn/schema/1.0/core", prefix: "spiffworkflow",
    xml: { tagAlias: "lowerCase" }, associations: [],
    types: [
      list("Properties", "properties", "Property"), attrs("Property", ["name", "value"]),
      text("PreScript"), text("PostScript"), text("InstructionsForEndUser"),
      text("MessagePayload"), text("MessageVariable"), text("PayloadExpression"), text("VariableName"),
      text("SignalPayload"), text("CalledDecisionId"), text("AllowGuest"), text("GuestConfirmation"),
      { name: "ServiceTaskOperator", superClass: ["Element"], properties: [
        { name: "id", isAttr: true, type: "String" }, { name: "resultVariable", isAttr: true, type: "String" },
        { name: "parameterList", type: "Parameters" }, { name: "retry", type: "Retry" }] },
      list("Parameters", "parameters", "Parameter"), attrs("Parameter", ["id", "name", "type", "value"]),
      attrs("Retry", ["retries", "backoff_base"]),
      list("UnitTests", "unitTests", "UnitTest"),
      { name: "UnitTest", superClass: ["Element"], properties: [
        { name: "id", isAttr: true, type: "String" }, { name: "inputJson", type: "InputJson" },
        { name: "expectedOutputJson", type: "ExpectedOutputJson" }] },
      text("InputJson"), text("ExpectedOutputJson"),
      list("TaskMetadataValues", "values", "TaskMetadataValue"), attrs("TaskMetadataValue", ["name", "value"]),
      { name: "ProcessVariableCorrelation", superClass: ["Element"], properties: [
        { name: "propertyId", type: "PropertyId" }, { name: "expression", type: "Expression" }] },
      text("PropertyId"), text("Expression"),
      // scriptsOnInstances="true" on a multi-instance marker (scripts run per instance)
      { name: "ScriptsOnInstances", isAbstract: true, "extends": ["bpmn:MultiInstanceLoopCharacteristics"],
        properties: [{ name: "scriptsOnInstances", isAttr: true, type: "String" }] }
    ]
  };
})();
