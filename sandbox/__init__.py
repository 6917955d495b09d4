"""Not product: the fake MyData institutions (synthetic customers behind the standard API), the demo
customers and the test and benchmark data built on them. `bot/` never imports it (tests/test_layout.py)."""
