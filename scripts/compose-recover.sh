#!/usr/bin/env bash
# After a worker crashed (kill -9, out of memory, a host reboot): start the worker
# containers that are down, take back the jobs the dead ones held, and show the queue.
#   scripts/compose-recover.sh                      reap claims silent for 30s
#   scripts/compose-recover.sh --stale-after 2m     a longer limit
#   scripts/compose-recover.sh --dry-run            only say what would move
# Running workers do the same on their own once a claim's lease expires (60 s); this is
# for "now". The limit must stay above a live worker's heartbeat period (stale-after/3 of
# its lease, 20 s by default), or live claims are taken back and their jobs run twice.
set -euo pipefail
# shellcheck source=scripts/lib/compose.sh
source "$(dirname "$0")/lib/compose.sh"

stale_after=30s
reap_flags=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --stale-after)
      [[ $# -ge 2 ]] || usage_error "--stale-after needs a duration (30s, 2m, ...)"
      stale_after=$2
      shift 2
      ;;
    --dry-run)
      reap_flags+=(--dry-run)
      shift
      ;;
    *) usage_error "unknown argument \"$1\" (usage: scripts/compose-recover.sh [--stale-after DUR] [--dry-run])" ;;
  esac
done

if [[ ${#reap_flags[@]} -eq 0 ]]; then
  # `start`, not `up`: it restarts the stopped replicas at the current scale, where `up`
  # without --scale would bring the service back to one replica.
  compose start worker
fi
edgar_in_stack reap-stuck --stale-after "$stale_after" ${reap_flags[@]+"${reap_flags[@]}"}
edgar_in_stack status
