"""Storage and the foundation layer: models, database, migrations, settings, secrets, logs.

Imports nothing of ours."""
