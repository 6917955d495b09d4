#!/usr/bin/env bash
# The run command: installs what is missing, trains the Rasa and credit
# models if stale, seeds the MyData sandbox and the demo customers, starts
# the sandbox (:8710), the action server (:5055), the Rasa server (:5005,
# REST, socket.io and KakaoTalk) and the web chat page (:8080), and prints
# how to chat. Ctrl-C stops all. Rasa's HTTP API is off unless RASA_API=1
# (then it needs the token in var/rasa_api_token or a JWT signed with
# var/rasa_jwt_secret).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh
bash scripts/train.sh
bash scripts/credit_model.sh
export ASSISTANT_TOKEN_SECRET="${ASSISTANT_TOKEN_SECRET:-$(python -m scripts.dev_secret)}"
export KAKAO_SKILL_SECRET="${KAKAO_SKILL_SECRET:-$(python -m bot.rasa.channels.kakao_secret)}"  # KakaoTalk skill: required
export ACTION_SERVER_SECRET="${ACTION_SERVER_SECRET:-$(python -m scripts.dev_secret action_secret)}"
export MYDATA_CLIENT_SECRET="${MYDATA_CLIENT_SECRET:-$(python -m scripts.dev_secret mydata_client_secret)}"  # the institutions' and ours
API_FLAGS=() API_ENV=() API_NOTE="HTTP API off (RASA_API=1 turns it on)"
if [ "${RASA_API:-0}" = "1" ]; then
  API_ENV=("RASA_API_TOKEN=${RASA_API_TOKEN:-$(python -m scripts.dev_secret rasa_api_token)}"
           "RASA_JWT_SECRET=${RASA_JWT_SECRET:-$(python -m scripts.dev_secret rasa_jwt_secret)}")
  API_FLAGS=(--enable-api)
  API_NOTE="HTTP API on: ?token=\$(cat var/rasa_api_token), or a JWT signed with var/rasa_jwt_secret"
fi
# Scale-out mode (issue #15): SCALE=N ./run.sh or ./run.sh --scale N; see scripts/scale_out.sh.
if [ "${1:-}" = "--scale" ]; then SCALE="${2:?--scale needs a number of replicas}"; fi
if [ -n "${SCALE:-}" ]; then exec bash scripts/scale_out.sh "$SCALE"; fi
SANDBOX_PORT="${SANDBOX_PORT:-8710}"
export MYDATA_API_BASE_URL="${MYDATA_API_BASE_URL:-http://127.0.0.1:$SANDBOX_PORT}"
[ -f var/sandbox.json ] || python -m sandbox seed --customers 1000

RASA_PORT="${RASA_PORT:-5005}"
ACTION_PORT="${ACTION_PORT:-5055}"
WEB_PORT="${WEB_PORT:-8080}"
LOGS="var/log"
mkdir -p "$LOGS"
source scripts/processes.sh
start_sandbox_and_demo

# proactive (issue 14): scheduled MyData sync on Celery; the broker is RabbitMQ unless CELERY_BROKER_URL says otherwise
export CELERY_BROKER_URL="${CELERY_BROKER_URL:-amqp://guest:guest@127.0.0.1:5672//}"
python -m bot.tasks check-broker
echo "==> starting the sync scheduler (celery beat) and one worker"
celery -A bot.tasks.app worker -c 1 --loglevel INFO > "$LOGS/worker.log" 2>&1 &
pids+=($!)
celery -A bot.tasks.app beat --loglevel INFO -s var/celerybeat-schedule > "$LOGS/beat.log" 2>&1 &
pids+=($!)

echo "==> starting the action server on 127.0.0.1:$ACTION_PORT"
python -m actions.server --host 127.0.0.1 --port "$ACTION_PORT" > "$LOGS/actions.log" 2>&1 &
pids+=($!)
echo "==> starting the Rasa server on 127.0.0.1:$RASA_PORT (about a minute to load and warm up; $API_NOTE)"
ACTION_ENDPOINT_URL="http://127.0.0.1:$ACTION_PORT/webhook" python -m scripts.endpoints var/endpoints.yml > /dev/null
env ${API_ENV[@]+"${API_ENV[@]}"} python -m bot.rasa.server run --model models/current.tar.gz ${API_FLAGS[@]+"${API_FLAGS[@]}"} --interface 127.0.0.1 --port "$RASA_PORT" \
  --endpoints var/endpoints.yml --credentials credentials.yml \
  --cors "http://127.0.0.1:$WEB_PORT" "http://localhost:$WEB_PORT" > "$LOGS/rasa.log" 2>&1 &
pids+=($!)
echo "==> starting the web chat page on 127.0.0.1:$WEB_PORT"
python -m webpage.server --port "$WEB_PORT" --rasa-url "http://127.0.0.1:$RASA_PORT" > "$LOGS/webpage.log" 2>&1 &
pids+=($!)
wait_for "action server" "http://127.0.0.1:$ACTION_PORT/health" 120 "$LOGS/actions.log"
wait_for "Rasa server" "http://127.0.0.1:$RASA_PORT/webhooks/rest/" 300 "$LOGS/rasa.log"
wait_for "web page" "http://127.0.0.1:$WEB_PORT/api/config" 60 "$LOGS/webpage.log"

TOKEN="$(python -m bot.auth tokens --customer demo-salaried | cut -f2)"
cat <<MSG

The assistant is running. Chat with it:
  in a browser  : http://127.0.0.1:$WEB_PORT  (pick a demo customer, then chat; KakaoTalk link codes are confirmed there)
  FAQ over REST : curl -s localhost:$RASA_PORT/webhooks/rest/webhook -H 'Content-Type: application/json' \\
                    -d '{"sender": "me", "message": "예금자보호 한도 얼마야?"}'
  as a customer : curl -s localhost:$RASA_PORT/webhooks/rest/webhook -H 'Content-Type: application/json' \\
                    -d '{"sender": "me", "message": "내 잔액 알려줘", "metadata": {"customer_token": "$TOKEN"}}'
                  (tokens for every demo customer: .venv/bin/python -m sandbox tokens)
  in a terminal : .venv/bin/rasa shell -m models/current.tar.gz --endpoints var/endpoints.yml --port 5006
  socket.io     : http://127.0.0.1:$RASA_PORT/socket.io (the page's widget; token in customData.customer_token)
  KakaoTalk     : skill URL http://<this host>:$RASA_PORT/webhooks/kakao/webhook
                  in Open Builder set the skill's custom header  X-Kakao-Skill-Secret: $KAKAO_SKILL_SECRET
                  (kept in var/kakao_skill_secret, or your KAKAO_SKILL_SECRET; requests without it get 401)
Logs are in $LOGS/. Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
echo "error: a server stopped; see $LOGS/" >&2
exit 1
