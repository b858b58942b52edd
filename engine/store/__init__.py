"""The database: models, connections, migrations, and the unit of work that owns each transaction."""
