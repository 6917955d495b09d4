# Sourced by run.sh and scripts/scale_out.sh: the processes a run command starts, stopped together
# on exit, and how it waits for each to answer. Needs LOGS, SANDBOX_PORT and MYDATA_API_BASE_URL.
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

start_sandbox_and_demo() {  # the MyData sandbox institutions, then the demo customers linked and synced
  echo "==> starting the MyData sandbox institutions on 127.0.0.1:$SANDBOX_PORT"
  python -m sandbox serve --port "$SANDBOX_PORT" > "$LOGS/sandbox.log" 2>&1 &
  pids+=($!)
  wait_for "MyData sandbox" "$MYDATA_API_BASE_URL/_sandbox/info" 60 "$LOGS/sandbox.log"
  echo "==> linking and syncing the demo customers${1:+ ($1)}"
  python -m sandbox demo
}
