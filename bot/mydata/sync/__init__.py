"""Sync: fetch what each active consent permits and store it, one institution per transaction.

For every active consent of a customer the permitted assets are fetched concurrently (bounded by
the client's connection limit), following pages, refreshing tokens and backing off as the client
does. Only when an institution's whole snapshot is in memory is it written, in one database
transaction; if anything fails, that institution keeps its last good data and the failure is
recorded on the consent and in `sync_runs`. Lists are asked with their last `search_timestamp`,
transactions from the last one stored (approvals a week earlier, to see cancellations), and rows
are keyed by the institution's own numbers, so running a sync twice stores nothing twice. What a
list no longer holds is marked closed, not deleted: its history stays, it is no longer live.

One module per job: `context` reads what a sync starts from, `fetch` asks the institutions,
`write` stores one institution's snapshot, `run` puts them together (`run.sync_customer`,
`run.sync_customers`, the entry points).
"""
