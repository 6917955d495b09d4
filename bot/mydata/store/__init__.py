"""The MyData store: models, engines and sessions, the schema's migrations, bulk writes for the
sync, and the secrets at rest (keys, rotation)."""
