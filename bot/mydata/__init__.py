"""MyData aggregation layer: consented sync from institutions into one store, and analytics over it.

Public entry points: `bot.mydata.analytics.<family>` (answers for the chat; `analytics.profile`
for raw credit facts), `bot.mydata.consent` (grant, list, revoke), `bot.mydata.sync.run` (fetch
and store), `bot.mydata.store.db` (engines, sessions, the schema) and the CLI
`python -m bot.mydata`.
"""
