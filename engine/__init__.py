"""casepath's workflow engine: deploys BPMN/DMN, runs cases durably, fires timers.

The engine knows nothing of Flask. Callers hand it a SQLAlchemy session factory,
a clock and the form catalog, and use `engine.service.CaseEngine`.
"""
