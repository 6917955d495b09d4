"""MyData aggregation layer: consented sync from institutions into one store, and analytics over it.

Public entry points: `bot.mydata.analytics` (answers for the chat), `bot.mydata.consent`
(grant, list, revoke), `bot.mydata.sync` (fetch and store), `bot.mydata.analytics.profile` (raw
credit facts) and the CLI `python -m bot.mydata`.
"""
