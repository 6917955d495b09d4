"""Servers and stacks the end-to-end tests and benchmarks start. What they start are their own
sandbox institutions and aggregator, so both share a random client secret of this run's."""
from bot.mydata.credentials import use_random_secret_if_unset

use_random_secret_if_unset()
