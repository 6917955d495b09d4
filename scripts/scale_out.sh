#!/usr/bin/env bash
# The scale-out mode of ./run.sh (SCALE=N ./run.sh, or ./run.sh --scale N): the MyData
# sandbox, N Rasa servers and N action servers behind HAProxy (one entry port,
# RASA_PORT), conversations and MyData in PostgreSQL, locks in Redis, and the web page.
# Called by run.sh after bootstrap, training and the secrets; see scripts/scale_out.py.
set -euo pipefail
cd "$(dirname "$0")/.."
REPLICAS="${1:?usage: scripts/scale_out.sh N}"
[[ "$REPLICAS" =~ ^[1-9][0-9]*$ ]] || { echo "error: the number of replicas must be a positive integer, got '$REPLICAS'" >&2; exit 2; }

export TRACKER_DATABASE_URL="${TRACKER_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/assistant_tracker}"
export DATABASE_URL="${DATABASE_URL:-postgresql+psycopg2://postgres@127.0.0.1:5432/assistant_mydata}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/1}"
export KAKAO_LINK_DB="${KAKAO_LINK_DB:-postgresql://postgres@127.0.0.1:5432/assistant_links}"  # Kakao links and link-code counters
SANDBOX_PORT="${SANDBOX_PORT:-8710}"
export MYDATA_API_BASE_URL="${MYDATA_API_BASE_URL:-http://127.0.0.1:$SANDBOX_PORT}"
RASA_PORT="${RASA_PORT:-5005}"
ACTION_PORT="${ACTION_PORT:-5055}"
WEB_PORT="${WEB_PORT:-8080}"
STATS_PORT="${STATS_PORT:-8404}"
LOGS="var/log"
mkdir -p "$LOGS"

python -c "import redis; redis.Redis.from_url('$REDIS_URL').ping()" 2>/dev/null ||
  { echo "error: Redis is not answering at $REDIS_URL (the scale-out mode keeps conversation locks there)" >&2; exit 1; }
python -m scripts.scale_out prepare
[ -f var/sandbox.json ] || python -m sandbox seed --customers 1000

source scripts/processes.sh
start_sandbox_and_demo "MyData in PostgreSQL"

echo "==> starting $REPLICAS Rasa and $REPLICAS action servers behind HAProxy on 127.0.0.1:$RASA_PORT (a minute or more)"
python -m scripts.scale_out serve --replicas "$REPLICAS" --port "$RASA_PORT" --action-port "$ACTION_PORT" --stats-port "$STATS_PORT" \
  --cors "http://127.0.0.1:$WEB_PORT" "http://localhost:$WEB_PORT" > "$LOGS/scale_out.log" 2>&1 &
pids+=($!)
echo "==> starting the web chat page on 127.0.0.1:$WEB_PORT"
python -m webpage.server --port "$WEB_PORT" --rasa-url "http://127.0.0.1:$RASA_PORT" > "$LOGS/webpage.log" 2>&1 &
pids+=($!)
wait_for "the balanced Rasa servers" "http://127.0.0.1:$RASA_PORT/" 900 "$LOGS/scale_out.log"
wait_for "web page" "http://127.0.0.1:$WEB_PORT/api/config" 60 "$LOGS/webpage.log"

TOKEN="$(python -m bot.auth tokens --customer demo-salaried | cut -f2)"
cat <<MSG

The assistant is running as $REPLICAS replicas behind HAProxy (one entry: 127.0.0.1:$RASA_PORT).
  in a browser  : http://127.0.0.1:$WEB_PORT
  as a customer : curl -si localhost:$RASA_PORT/webhooks/rest/webhook -H 'Content-Type: application/json' \\
                    -d '{"sender": "me", "message": "내 잔액 알려줘", "metadata": {"customer_token": "$TOKEN"}}'
                  (the X-Replica header names the replica that answered)
  KakaoTalk     : http://<this host>:$RASA_PORT/webhooks/kakao/webhook  (X-Kakao-Skill-Secret: $KAKAO_SKILL_SECRET)
  balancer      : http://127.0.0.1:$STATS_PORT/stats
Conversations: $TRACKER_DATABASE_URL; MyData: $DATABASE_URL; Kakao links: $KAKAO_LINK_DB; locks: $REDIS_URL.
Logs are in $LOGS/ and var/scale/. Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
echo "error: a server stopped; see $LOGS/ and var/scale/" >&2
exit 1
