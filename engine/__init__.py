"""casepath's workflow engine: deploys BPMN/DMN, runs cases durably, fires timers.

Cut by role, the way SpiffWorkflow cuts parser/specs/serializer:
definitions/ (what a process model is), runtime/ (one case's workflow in memory),
store/ (the database and the unit of work), services/ (one class per use case),
views/ (read models for pages), policy.py (who may do what). facade.CaseEngine wires
them; the engine knows nothing of Flask.
"""
