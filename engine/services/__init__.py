"""One class per use case (cases, tasks, inbox, record, timers, process models, designer, simulation, identity)."""
