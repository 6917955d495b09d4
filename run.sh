#!/usr/bin/env bash
# The run command: installs what is missing, trains the Rasa model if its
# inputs changed, starts the action server (:5055) and the Rasa server
# (:5005, REST and socket.io), and prints how to chat. Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/bootstrap.sh
bash scripts/train.sh

RASA_PORT="${RASA_PORT:-5005}"
ACTION_PORT="${ACTION_PORT:-5055}"
LOGS="var/log"
mkdir -p "$LOGS"
pids=()
stop_all() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop_all EXIT INT TERM

wait_for() {  # name url seconds logfile
  local deadline=$(( $(date +%s) + $3 ))
  until python -c "import httpx,sys; sys.exit(0 if httpx.get('$2', timeout=2).status_code == 200 else 1)" 2>/dev/null; do
    if [ "$(date +%s)" -gt "$deadline" ]; then echo "error: $1 did not start; see $4" >&2; tail -n 30 "$4" >&2; exit 1; fi
    sleep 1
  done
}

echo "==> starting the action server on 127.0.0.1:$ACTION_PORT"
rasa run actions --actions actions --port "$ACTION_PORT" > "$LOGS/actions.log" 2>&1 &
pids+=($!)
echo "==> starting the Rasa server on 127.0.0.1:$RASA_PORT (about a minute to load)"
rasa run --model models/current.tar.gz --enable-api --interface 127.0.0.1 --port "$RASA_PORT" \
  --endpoints endpoints.yml --credentials credentials.yml > "$LOGS/rasa.log" 2>&1 &
pids+=($!)
wait_for "action server" "http://127.0.0.1:$ACTION_PORT/health" 120 "$LOGS/actions.log"
wait_for "Rasa server" "http://127.0.0.1:$RASA_PORT/status" 300 "$LOGS/rasa.log"

cat <<MSG

The assistant is running. Chat with it:
  in a terminal : .venv/bin/rasa shell --endpoints endpoints.yml   (or: rasa shell, after 'source .venv/bin/activate')
  over REST     : curl -s localhost:$RASA_PORT/webhooks/rest/webhook \\
                    -H 'Content-Type: application/json' \\
                    -d '{"sender": "me", "message": "예금자보호 한도 얼마야?"}'
  socket.io     : http://127.0.0.1:$RASA_PORT/socket.io (for the web widget)
Logs are in $LOGS/. Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
echo "error: a server stopped; see $LOGS/" >&2
exit 1
