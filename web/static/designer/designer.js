// casepath process designer: bpmn-js / dmn-js modelers (vendored), a properties panel for
// what agencies change (lane role, form, due date, timers, conditions, called processes),
// checks shown on their elements, deploy, migration and simulation through the JSON API.
(function () {
  "use strict";

  var root = document.getElementById("designer");
  if (!root) { return; }
  var MODEL = root.getAttribute("data-model");
  var VERSION = root.getAttribute("data-version");
  var READ_ONLY = root.getAttribute("data-read-only") === "true";
  // A draft started from an older version: every file of it is saved, so the deploy is that version plus the edits.
  var EDITING_VERSION = root.getAttribute("data-editing") === "true";
  var ROLES = JSON.parse(root.getAttribute("data-roles"));
  // The latest version when the page was opened: a save after someone deploys again is refused.
  var LATEST = root.getAttribute("data-latest");
  var CSRF = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var API = "/api/process-models/" + encodeURIComponent(MODEL);

  // lossy: file name -> what bpmn-js/dmn-js could not read (saving it would drop that part).
  var state = { files: [], current: null, xml: {}, forms: [], problems: [], sim: [], lossy: {}, loopRefs: {} };
  var bpmn = null, dmn = null;

  function $(id) { return document.getElementById(id); }
  function status(text) { $("status").textContent = text; }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function api(method, path, body, contentType, extraHeaders) {
    var headers = Object.assign({ "X-CSRF-Token": CSRF }, extraHeaders || {});
    if (body !== undefined) { headers["Content-Type"] = contentType || "application/json"; }
    return fetch(path, { method: method, headers: headers, credentials: "same-origin",
                         body: body === undefined ? undefined : (contentType ? body : JSON.stringify(body)) })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (json) {
          if (!response.ok) {
            var error = new Error((json.error && json.error.message) || response.statusText);
            error.details = (json.error && json.error.details) || [];
            error.status = response.status;
            throw error;
          }
          return json;
        });
      });
  }

  // ------------------------------------------------------------------ files and editors
  function openFile(name) {
    stash().then(function () {
      state.current = name;
      document.querySelectorAll("#file-tabs [role=tab]").forEach(function (tab) {
        tab.setAttribute("aria-selected", tab.getAttribute("data-file") === name ? "true" : "false");
      });
      var isDmn = /\.dmn$/.test(name);
      $("bpmn-canvas").hidden = isDmn;
      $("dmn-canvas").hidden = !isDmn;
      // The panel follows the active tab: a BPMN element never stays on show over a decision table.
      showProperties(null);
      $("properties-empty").textContent = isDmn
        ? "Decision tables are edited in the table itself: click a cell to change a rule."
        : "Select a step, event, gateway or flow to see and edit its properties.";
      var editor = isDmn ? dmnEditor() : bpmnEditor();
      var kept = state.loopRefs[name] = window.casepathLoopRefs.remember(state.xml[name]);
      return editor.importXML(state.xml[name]).then(function (result) {
        showImportWarnings(name, (result.warnings || []).filter(function (w) {
          return !window.casepathLoopRefs.benign(w, kept);
        }));
        if (!isDmn) { bpmn.get("canvas").zoom("fit-viewport"); showProblems(); }
        root.setAttribute("data-ready", name);
      });
    }).catch(function (error) { status("Could not open " + name + ": " + error.message); });
  }

  function showImportWarnings(name, warnings) {
    var box = $("import-warnings");
    box.innerHTML = "";
    if (!warnings.length) { delete state.lossy[name]; box.hidden = true; return; }
    state.lossy[name] = warnings.map(function (w) { return String(w.message || w).split("\n")[0]; });
    box.hidden = false;
    box.appendChild(el("p", {}, "The editor could not read every part of " + name +
                              "; saving it here would lose those parts, so it is not saved:"));
    var list = el("ul", {});
    state.lossy[name].forEach(function (line) { list.appendChild(el("li", {}, line)); });
    box.appendChild(list);
  }

  function stash() {
    // Keep what was edited in the open file before switching to another.
    if (!state.current || state.lossy[state.current]) { return Promise.resolve(); }
    var editor = /\.dmn$/.test(state.current) ? dmn : bpmn;
    if (!editor) { return Promise.resolve(); }
    var name = state.current;
    return editor.saveXML({ format: true }).then(function (result) {
      state.xml[name] = window.casepathLoopRefs.restore(result.xml, state.loopRefs[name]);
    });
  }

  function bpmnEditor() {
    if (!bpmn) {
      bpmn = new window.BpmnJS({ container: "#bpmn-canvas",
                                 moddleExtensions: { spiffworkflow: window.casepathSpiffModdle } });
      window.casepathKeepDefaults(bpmn.get("moddle"));
      bpmn.on("selection.changed", function (event) { showProperties(event.newSelection[0]); });
      bpmn.on("element.changed", function (event) {
        var selected = bpmn.get("selection").get()[0];
        if (selected && selected.id === event.element.id) { showProperties(selected); }
      });
    }
    return bpmn;
  }

  function dmnEditor() {
    if (!dmn) {
      dmn = new window.DmnJS({ container: "#dmn-canvas" });
      window.casepathKeepDefaults(dmn._moddle);  // dmn-js has no public getter for its moddle
    }
    return dmn;
  }

  function load() {
    var query = VERSION ? "?version=" + VERSION : "?drafts=1";
    return Promise.all([api("GET", API + "/files" + query), api("GET", "/api/forms")]).then(function (results) {
      // Diagrams get tabs; a model's own form files (*-schema.json) travel with it as they are.
      state.files = results[0].files.filter(function (f) { return /\.(bpmn|dmn)$/.test(f.filename); });
      state.forms = results[1];
      var seen = {};
      var tabs = $("file-tabs");
      tabs.innerHTML = "";
      state.files.forEach(function (file) {
        state.xml[file.filename] = file.content;
        if (EDITING_VERSION) { file.draft = true; }
        // An import checks its files together: the same problem is kept on each; list it once.
        (file.problems || []).forEach(function (p) {
          var key = JSON.stringify(p);
          if (!seen[key]) { seen[key] = true; state.problems.push(p); }
        });
        var tab = el("button", { type: "button", role: "tab", "data-file": file.filename, "aria-selected": "false" },
                     file.filename + (file.draft ? " (draft)" : ""));
        tab.addEventListener("click", function () { openFile(file.filename); });
        tabs.appendChild(tab);
      });
      var first = state.files.filter(function (f) { return /\.bpmn$/.test(f.filename); })[0] || state.files[0];
      // A new or imported draft shows its check results as soon as it opens.
      if (state.problems.length || (!LATEST && !VERSION && state.files.length)) { listProblems(state.problems); }
      return openFile(first.filename);
    });
  }

  // ------------------------------------------------------------------ properties panel
  function bo(element) { return element && element.businessObject; }

  function ext() { return window.casepathExtensions(bpmn); }
  function getProperty(element, name) { return ext().property(element, name); }
  function setProperty(element, name, value) { ext().setProperty(element, name, value); }

  function laneOf(element) {
    var process = processOf(bo(element));
    var lanes = laneList(process);
    return lanes.filter(function (lane) { return (lane.flowNodeRef || []).indexOf(bo(element)) >= 0; })[0] || null;
  }

  function processOf(business) {
    var node = business;
    while (node && node.$type !== "bpmn:Process") { node = node.$parent; }
    return node;
  }

  function laneList(process) {
    var lanes = [];
    (process && process.laneSets || []).forEach(function (set) { lanes = lanes.concat(set.lanes || []); });
    return lanes;
  }

  function setRole(element, role) {
    // Lanes are roles: moving a step to another role moves it between the lanes' node lists.
    var modeling = bpmn.get("modeling"), moddle = bpmn.get("moddle");
    var business = bo(element), process = processOf(business);
    var lanes = laneList(process);
    var target = lanes.filter(function (lane) { return lane.name === role; })[0];
    if (!target) {
      var set = (process.laneSets || [])[0];
      if (!set) {
        set = moddle.create("bpmn:LaneSet", { id: "lanes", lanes: [] });
        modeling.updateModdleProperties(element, process, { laneSets: [set] });
      }
      target = moddle.create("bpmn:Lane", { id: "lane_" + role, name: role, flowNodeRef: [] });
      target.$parent = set;
      modeling.updateModdleProperties(element, set, { lanes: (set.lanes || []).concat([target]) });
    }
    lanes.forEach(function (lane) {
      if ((lane.flowNodeRef || []).indexOf(business) >= 0 && lane !== target) {
        modeling.updateModdleProperties(element, lane, { flowNodeRef: lane.flowNodeRef.filter(function (n) { return n !== business; }) });
      }
    });
    if ((target.flowNodeRef || []).indexOf(business) < 0) {
      modeling.updateModdleProperties(element, target, { flowNodeRef: (target.flowNodeRef || []).concat([business]) });
    }
  }

  function timerOf(element) {
    var defs = bo(element).eventDefinitions || [];
    return defs.filter(function (d) { return d.$type === "bpmn:TimerEventDefinition"; })[0] || null;
  }

  function field(form, id, label, control, hint) {
    var wrap = el("div", { "class": "field" });
    wrap.appendChild(el("label", { "for": id }, label));
    if (hint) { var p = el("p", { "class": "hint", id: id + "-hint" }, hint); wrap.appendChild(p); control.setAttribute("aria-describedby", id + "-hint"); }
    control.id = id;
    wrap.appendChild(control);
    form.appendChild(wrap);
    return control;
  }

  function input(value) { var i = el("input"); i.value = value || ""; if (READ_ONLY) { i.readOnly = true; } return i; }
  function select(options, value) {
    var s = el("select");
    options.forEach(function (o) {
      var opt = el("option", { value: o[0] }, o[1]);
      if (o[0] === value) { opt.selected = true; }
      s.appendChild(opt);
    });
    if (READ_ONLY) { s.disabled = true; }
    return s;
  }

  function textarea(value) {
    var area = el("textarea", { rows: "3" });
    area.value = value || "";
    if (READ_ONLY) { area.readOnly = true; }
    return area;
  }

  // Properties with a field of their own are not repeated in the list of other properties.
  var OWN_FIELDS = { formJsonSchemaFilename: true, dueIn: true };

  function extensionFields(form, element, type) {
    var edits = ext();
    if (/UserTask$|ManualTask$/.test(type)) {
      onChange(field(form, "prop-instructions", "Instructions", textarea(edits.text(element, "spiffworkflow:InstructionsForEndUser")),
                     "What the person doing this step reads above the form."),
               function (v) { edits.setText(element, "spiffworkflow:InstructionsForEndUser", v); });
    }
    onChange(field(form, "prop-prescript", "Script before", textarea(edits.text(element, "spiffworkflow:PreScript")),
                   "Runs when the step opens, over the case's data."),
             function (v) { edits.setText(element, "spiffworkflow:PreScript", v); });
    onChange(field(form, "prop-postscript", "Script after", textarea(edits.text(element, "spiffworkflow:PostScript")),
                   "Runs when the step is done, with its answers."),
             function (v) { edits.setText(element, "spiffworkflow:PostScript", v); });
    var others = edits.properties(element).filter(function (p) { return !(type === "bpmn:UserTask" && OWN_FIELDS[p[0]]); });
    onChange(field(form, "prop-properties", "Other properties", textarea(others.map(function (p) { return p[0] + " = " + p[1]; }).join("\n")),
                   "One a line: name = value (e.g. stage = monitoring)."),
             function (v) {
               var wanted = {};
               v.split("\n").forEach(function (line) {
                 var at = line.indexOf("=");
                 if (at > 0) { wanted[line.slice(0, at).trim()] = line.slice(at + 1).trim(); }
               });
               others.forEach(function (p) { if (!(p[0] in wanted)) { edits.setProperty(element, p[0], ""); } });
               Object.keys(wanted).forEach(function (name) {
                 if (edits.property(element, name) !== wanted[name]) { edits.setProperty(element, name, wanted[name]); }
               });
             });
  }

  function onChange(control, apply) {
    control.addEventListener("change", function () {
      if (READ_ONLY) { return; }
      try { apply(control.value); status("Changed; save the draft to check it."); }
      catch (error) { status("That change did not apply: " + error.message); }
    });
  }

  function showProperties(element) {
    var form = $("properties-form");
    form.innerHTML = "";
    if (!element || element.type === "label" || !bo(element)) {
      form.hidden = true; $("properties-empty").hidden = false; return;
    }
    form.hidden = false; $("properties-empty").hidden = true;
    var business = bo(element), type = business.$type, modeling = bpmn.get("modeling"), moddle = bpmn.get("moddle");
    form.appendChild(el("p", { "class": "muted small" }, type.replace("bpmn:", "") + " · " + business.id));

    onChange(field(form, "prop-id", "ID", input(business.id), "Running cases are matched to steps by this id."),
             function (v) { if (v && v !== business.id) { modeling.updateProperties(element, { id: v }); } });
    onChange(field(form, "prop-name", "Name", input(business.name)),
             function (v) { modeling.updateProperties(element, { name: v }); });

    var isFlowNode = /Task$|Event$|Gateway$|^bpmn:SubProcess$|^bpmn:CallActivity$/.test(type);
    if (isFlowNode && processOf(business) && laneList(processOf(business)).length) {
      var lane = laneOf(element);
      onChange(field(form, "prop-role", "Role (lane)", select([["", "—"]].concat(ROLES.map(function (r) { return [r, r.replace("_", " ")]; })),
                     lane ? lane.name : ""), "Who works this step."), function (v) { if (v) { setRole(element, v); } });
    }
    if (type === "bpmn:UserTask") {
      var forms = [["", "— choose a form —"]].concat(state.forms.map(function (f) { return [f.name + ".schema.json", f.title + " (" + f.name + ")"]; }));
      onChange(field(form, "prop-form", "Form", select(forms, getProperty(element, "formJsonSchemaFilename"))),
               function (v) { setProperty(element, "formJsonSchemaFilename", v); });
      onChange(field(form, "prop-due", "Due within", input(getProperty(element, "dueIn")),
                     "ISO-8601 duration after the task opens, e.g. P2D (two days), PT4H (four hours)."),
               function (v) { setProperty(element, "dueIn", v); });
    }
    var timer = timerOf(element);
    if (timer) {
      var kind = timer.timeDuration ? "timeDuration" : timer.timeDate ? "timeDate" : "timeCycle";
      var current = (timer[kind] && timer[kind].body) || "";
      var kindSelect = field(form, "prop-timer-kind", "Timer", select([["timeDuration", "after a duration"],
        ["timeDate", "at a date"], ["timeCycle", "repeating"]], kind));
      var valueInput = field(form, "prop-timer", "Timer value", input(current),
                             "A duration like P90D, a date, R3/P7D, or an expression over the case's data.");
      var applyTimer = function () {
        var update = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
        update[kindSelect.value] = moddle.create("bpmn:FormalExpression", { body: valueInput.value });
        modeling.updateModdleProperties(element, timer, update);
      };
      onChange(kindSelect, applyTimer);
      onChange(valueInput, applyTimer);
    }
    if (type === "bpmn:SequenceFlow") {
      var condition = business.conditionExpression ? business.conditionExpression.body : "";
      onChange(field(form, "prop-condition", "Condition", input(condition),
                     "Taken when this is true, e.g. eligible == True. Leave empty for an unconditional flow."),
               function (v) {
                 modeling.updateProperties(element, { conditionExpression: v ? moddle.create("bpmn:FormalExpression", { body: v }) : undefined });
               });
    }
    if (type === "bpmn:CallActivity") {
      onChange(field(form, "prop-called", "Calls the process", input(business.calledElement), "The id of the process to run."),
               function (v) { modeling.updateProperties(element, { calledElement: v }); });
    }
    if (type === "bpmn:ScriptTask") {
      onChange(field(form, "prop-script", "Script", textarea(business.script), "Runs in a restricted Python: no imports, no files."),
               function (v) { modeling.updateProperties(element, { script: v }); });
    }
    if (/Task$|^bpmn:SubProcess$|^bpmn:CallActivity$/.test(type)) {
      extensionFields(form, element, type);
    }
    var problems = state.problems.filter(function (p) { return p.element_id === business.id; });
    problems.forEach(function (p) { form.appendChild(el("p", { "class": "field-error" }, p.message)); });
  }

  // ------------------------------------------------------------------ checks on the diagram
  function listProblems(problems, warnings) {
    state.problems = problems;
    var list = $("problems");
    list.innerHTML = "";
    if (!problems.length) {
      list.appendChild(el("li", { "class": "ok" }, "No problems: this draft can be deployed."));
    }
    // Warnings deploy: listed under the problems, without badges on the diagram.
    problems.map(function (p) { return [p, "problem"]; })
      .concat((warnings || []).map(function (w) { return [w, "warning"]; })).forEach(function (pair) {
      var problem = pair[0], item = el("li", { "class": pair[1] });
      if (pair[1] === "warning") { item.appendChild(document.createTextNode("Warning: ")); }
      if (problem.element_id) {
        // Name the step as the admin sees it in the diagram; the id is the fallback.
        var shape = bpmn && bpmn.get("elementRegistry").get(problem.element_id);
        var label = (shape && shape.businessObject && shape.businessObject.name) || problem.element_id;
        var link = el("button", { type: "button", "class": "link", "data-element": problem.element_id }, label);
        link.addEventListener("click", function () { reveal(problem.element_id); });
        item.appendChild(link);
        item.appendChild(document.createTextNode(": "));
      }
      item.appendChild(document.createTextNode(problem.message + (problem.file ? " (" + problem.file + ")" : "")));
      if (problem.detail) {
        // The checker's own words, for whoever needs them; the sentence above is the admin's.
        var more = el("details", { "class": "problem-detail" });
        more.appendChild(el("summary", {}, "What the checker said"));
        more.appendChild(el("code", {}, problem.detail));
        item.appendChild(more);
      }
      list.appendChild(item);
    });
    showProblems();  // also clears the badges of problems now fixed
    // The open properties show the element's errors: redraw them from the new check.
    var selected = bpmn && !/\.dmn$/.test(state.current || "") && bpmn.get("selection").get()[0];
    if (selected) { showProperties(selected); }
  }

  function showProblems() {
    if (!bpmn || /\.dmn$/.test(state.current || "")) { return; }
    var overlays = bpmn.get("overlays"), registry = bpmn.get("elementRegistry");
    overlays.remove({ type: "problem" });
    var stages = {};
    state.problems.forEach(function (problem) {
      var shape = problem.element_id && registry.get(problem.element_id);
      if (!shape) { return; }
      var badge = el("div", { "class": "problem-badge", title: problem.message, role: "img", "aria-label": "Problem: " + problem.message }, "!");
      overlays.add(problem.element_id, "problem", { position: { top: -10, right: 10 }, html: badge });
      // A stage drawn collapsed hides its steps: mark it where the admin looks first.
      for (var node = shape.businessObject.$parent; node; node = node.$parent) {
        if (/SubProcess$|Transaction$/.test(node.$type) && registry.get(node.id)) {
          stages[node.id] = (stages[node.id] || 0) + 1;
        }
      }
    });
    Object.keys(stages).forEach(function (id) {
      var words = stages[id] + " problem(s) inside";
      var mark = el("div", { "class": "stage-badge", title: words, role: "img", "aria-label": words }, String(stages[id]));
      overlays.add(id, "problem", { position: { top: -10, left: -10 }, html: mark });
    });
  }

  function reveal(elementId) {
    var registry = bpmn.get("elementRegistry"), canvas = bpmn.get("canvas");
    var element = registry.get(elementId);
    if (!element) { return false; }
    var node = element;
    while (node.parent) { node = node.parent; }  // the plane (root) the element is drawn on
    if (canvas.getRootElement() !== node) { canvas.setRootElement(node); }
    bpmn.get("selection").select(element);
    canvas.scrollToElement(element);
    return true;
  }
  window.casepathDesigner = { reveal: reveal, modeler: function () { return bpmn; } };

  // ------------------------------------------------------------------ save, deploy, discard
  function saveDrafts() {
    return stash().then(function () {
      var changed = state.files.filter(function (f) { return state.xml[f.filename] !== f.content || f.draft; });
      if (!changed.length) { status("Nothing changed."); return null; }
      status("Saving and checking…");
      var problems = [], warnings = [];
      return changed.reduce(function (chain, file) {
        return chain.then(function () {
          return api("PUT", API + "/drafts/" + encodeURIComponent(file.filename), state.xml[file.filename], "application/xml",
                     draftHeaders(file))
            .then(function (result) {
              file.draft = true; file.content = state.xml[file.filename]; file.stamp = result.stamp;
              problems = result.problems.map(function (p) { return Object.assign({ file: file.filename }, p); });
              warnings = (result.warnings || []).map(function (w) { return Object.assign({ file: file.filename }, w); });
            });
        });
      }, Promise.resolve()).then(function () {
        listProblems(problems, warnings);
        status(problems.length ? "Draft saved with " + problems.length + " problem(s) to fix before deploying."
                               : "Draft saved; every check passed.");
        root.setAttribute("data-saved", String(Date.now()));
      });
    }).catch(function (error) {
      status("The draft was not saved: " + error.message);
      if (error.details && error.details.length) { listProblems(error.details); }
      return false;
    });
  }

  function draftHeaders(file) {
    // What this page opened: the latest version, and the draft of the file as it was (if any).
    var headers = LATEST ? { "X-Based-On-Version": LATEST } : {};
    if (!EDITING_VERSION) { headers["X-Draft-Stamp"] = file.stamp || ""; }
    return headers;
  }

  function deploy() {
    saveDrafts().then(function (saved) {
      if (saved === false) { return; }
      if (state.problems.length) { status("Fix the problems before deploying."); return; }
      return api("POST", API + "/deploy").then(function (result) {
        status(result.created ? "Deployed version " + result.version + ". New cases start on it; running cases stay on theirs until moved."
                              : "Nothing to deploy: the draft matches version " + result.version + ".");
        root.setAttribute("data-deployed", String(result.version));
        // Reload at once (history, running counts, migration choices are server-rendered);
        // the page says what was deployed.
        if (result.created) { window.location.assign(window.location.pathname + "?deployed=" + result.version); }
      });
    }).catch(function (error) { status("Not deployed: " + error.message); listProblems(error.details || []); });
  }

  function discard() {
    window.casepathConfirm(!LATEST ? "Discard this process? It was never deployed, so all of it is lost." : "Discard every draft of this process? The edits saved since version " + LATEST +
                           " are lost; deployed versions and running cases are not touched.", "Discard drafts")
      .then(function (sure) {
        if (!sure) { status("Nothing discarded."); return; }
        return api("DELETE", API + "/drafts").then(function () { window.location.reload(); });
      }).catch(function (error) { status("Not discarded: " + error.message); });
  }

  // ------------------------------------------------------------------ migration
  function migrate(event) {
    event.preventDefault();
    var body = { to_version: parseInt($("migrate-to").value, 10) };
    if ($("migrate-from").value) { body.from_version = parseInt($("migrate-from").value, 10); }
    var ids = $("migrate-cases").value.split(/[\s,]+/).filter(Boolean).map(function (v) { return parseInt(v, 10); });
    if (ids.length) { body.case_ids = ids; }
    var out = $("migrate-result");
    var which = ids.length ? "case(s) " + ids.join(", ") : "every running case of " +
                (body.from_version ? "version " + body.from_version : "older versions");
    window.casepathConfirm("Move " + which + " to version " + body.to_version + "? A case moves only if every step " +
                           "and timer it waits at exists there; the others stay and are listed.", "Move cases")
      .then(function (sure) {
        if (!sure) { out.textContent = "Nothing moved."; return; }
        out.textContent = "Moving…";
        return moveCases(body, out);
      });
  }

  function moveCases(body, out) {
    return api("POST", API + "/migrate", body).then(function (result) {
      out.innerHTML = "";
      out.appendChild(el("p", { "class": "flash" }, result.migrated.length + " case(s) moved to version " + result.to_version +
                                                    ", " + result.refused.length + " refused."));
      var list = el("ul", { "class": "plain" });
      result.migrated.forEach(function (m) { list.appendChild(el("li", { "class": "migrated" }, "Case " + m.case_id + ": moved from version " + m.from_version)); });
      result.refused.forEach(function (r) { list.appendChild(el("li", { "class": "refused field-error" }, "Case " + r.case_id + " refused: " + r.reason)); });
      out.appendChild(list);
    }).catch(function (error) { out.textContent = "Not moved: " + error.message; });
  }

  // ------------------------------------------------------------------ simulation
  function simulate() {
    var body = { actions: state.sim };
    if (READ_ONLY) { body.version = parseInt(VERSION, 10); }
    var run = READ_ONLY ? Promise.resolve() : saveDrafts();
    return run.then(function () { return api("POST", API + "/simulate", body); }).then(renderSimulation)
      .catch(function (error) {
        state.sim.pop();
        status("Simulation step refused: " + error.message);
      });
  }

  function renderSimulation(result) {
    $("sim-now").textContent = "(simulated time: " + result.now.replace("T", " ").slice(0, 16) + ", stage " + (result.stage || "—") + ")";
    var tasks = $("sim-tasks"), timers = $("sim-timers"), path = $("sim-path");
    tasks.innerHTML = ""; timers.innerHTML = ""; path.innerHTML = "";
    if (result.error) { tasks.appendChild(el("li", { "class": "field-error" }, result.error)); }
    (result.problems || []).forEach(function (p) { tasks.appendChild(el("li", { "class": "field-error" }, (p.element_id || "") + " " + p.message)); });
    result.tasks.forEach(function (task) {
      var item = el("li", { "class": "sim-task", "data-task": task.bpmn_id });
      item.appendChild(el("strong", {}, task.name));
      item.appendChild(document.createTextNode(" — " + (task.lane || "no lane").replace("_", " ") + (task.approval ? " (approval)" : "") +
                                               (task.due_at ? ", due " + task.due_at.slice(0, 10) : "") + " "));
      if (task.form) {
        var answer = el("button", { type: "button", "class": "secondary" }, "Answer");
        answer.setAttribute("aria-label", "Answer " + task.name);
        answer.addEventListener("click", function () { answerTask(task); });
        item.appendChild(answer);
      }
      tasks.appendChild(item);
    });
    if (!result.tasks.length) { tasks.appendChild(el("li", { "class": "muted" }, result.completed ? "The case is finished." : "No open tasks: let time pass.")); }
    result.timers.forEach(function (timer) { timers.appendChild(el("li", { "data-timer": timer.bpmn_id }, timer.name + ": " + timer.due_at.replace("T", " ").slice(0, 16))); });
    result.path.forEach(function (step) {
      path.appendChild(el("li", { "data-kind": step.kind }, step.at.slice(0, 10) + " · " + step.message));
    });
    $("simulator").setAttribute("data-steps", String(state.sim.length));
  }

  function answerTask(task) {
    fetch("/designer/forms/" + encodeURIComponent(task.form) + "/fragment", { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var holder = $("sim-form-holder"), form = $("sim-form");
        $("sim-form-title").textContent = "Answer: " + task.name;
        form.innerHTML = html;
        var submit = el("button", { type: "submit" }, "Complete in the simulation");
        form.appendChild(submit);
        holder.hidden = false;
        form.onsubmit = function (event) {
          event.preventDefault();
          var fields = {};
          new FormData(form).forEach(function (value, key) {
            if (fields[key] === undefined) { fields[key] = value; }
            else { fields[key] = [].concat(fields[key], [value]); }
          });
          state.sim.push({ complete: task.bpmn_id, form: task.form, fields: fields });
          holder.hidden = true;
          simulate();
        };
        var first = form.querySelector("input, select, textarea");
        if (first) { first.focus(); }
      });
  }

  // ------------------------------------------------------------------ wiring
  document.addEventListener("DOMContentLoaded", function () {
    load().catch(function (error) { status("Could not load the process: " + error.message); });
    if ($("save-draft")) {
      $("save-draft").addEventListener("click", saveDrafts);
      $("deploy").addEventListener("click", deploy);
      $("discard").addEventListener("click", discard);
    }
    if ($("migrate-form")) { $("migrate-form").addEventListener("submit", migrate); }
    $("sim-start").addEventListener("click", function () { state.sim = []; simulate(); });
    $("sim-advance-go").addEventListener("click", function () { state.sim.push({ advance: $("sim-advance").value }); simulate(); });
    $("sim-undo").addEventListener("click", function () { state.sim.pop(); simulate(); });
  });
})();
