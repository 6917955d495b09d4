"""Personal financial advice from a customer's MyData: products, DSR, eligibility, diagnosis.

Pure Python, no Rasa and no data-layer imports: the inputs are the plain dataclasses in
`bot.advisor.inputs`, which the chat layer fills from MyData and the credit model.

- `catalog`: the sample products in knowledge_base/products.yml, checked on load
- `cards`: which card would have paid most on the customer's own last 3 months
- `cashflow`: the one monthly cash flow (regular income, spending, fixed obligations) every answer uses
- `savings`: 적금 sized to the monthly surplus, 예금 for idle cash, after-tax interest
- `dsr`: 총부채원리금상환비율 by the regulator's counting rules, with stress DSR
- `eligibility`: approval chance, rate range, maximum limit and fitting loans
- `diagnosis`: a money check-up with 2-3 concrete steps
- `format`: Korean wording of money, dates and rates, for the whole product
Every advisor raises `bot.advisor.errors.AdvisorError` subclasses on bad input.
"""
