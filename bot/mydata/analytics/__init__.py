"""Answers about a customer's own money, as plain functions over the store, one module per family:
balances (and net worth), spending, transactions (search), income, recurring (payments), cards
(bills), loans (and repayments), insurance, investments, linked (assets), movements (the cash
flow's bank rows) and profile (raw credit facts); `scope` is what they share.

Every function takes a session and the customer id, reads only institutions with an active
consent (raising ConsentRequired when there is none, UnknownCustomer for an id the store does
not know), and returns frozen dataclasses with int won, aware Asia/Seoul datetimes and, for
every answer, the freshness of each institution it drew on (last good sync, last error), so the
chat can say "신한카드 data is 3 hours old" or "the last sync failed".
"""
