"""The Rasa wing: everything that imports Rasa, and nothing else of the product does.

The rest of `bot/` is plain Python that the action server, the benchmarks and
the tests use without Rasa. Here are the pieces Rasa loads by name (from
`config.yml`, `endpoints.yml`, `credentials.yml` and the run commands) and the
fixes applied to its runtime:

- `components`: the NLU graph components over `bot.nlp` (tokenizer, intent
  classifier, entity extractors)
- `server`: `python -m bot.rasa.server run ...`, Rasa's CLI with our runtime
  fixes installed first (`nlu_budget`, `warmup`, `api_guard`, `repeats`)
- `tracker_store`: Rasa's SQL tracker store, pooled and saving no token
- `channels/`: the input channels (REST, the socket.io web chat, the KakaoTalk
  skill) and the helpers only they use

What a channel shares with code outside Rasa stays outside: the input bounds
and the KakaoTalk account links (`bot/channels/`), token redaction
(`bot/redaction.py`). tests/test_rasa_wing.py fails if a module outside this
package imports `rasa`, `rasa_sdk` or this package.
"""
