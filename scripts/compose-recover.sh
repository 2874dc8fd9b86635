#!/usr/bin/env bash
# After a worker crashed (kill -9, out of memory, a host reboot): start the worker
# containers that are down, take back the jobs the dead ones held, and show the queue.
#   scripts/compose-recover.sh                      reap claims silent for 30s
#   scripts/compose-recover.sh --stale-after 2m     a longer limit
#   scripts/compose-recover.sh --dry-run            only say what would move
# Running workers do the same on their own once a claim's lease expires (60 s); this is
# for "now". A claim whose worker still heartbeats its record in meta/workers/ is judged by
# that worker's own lease, not by this limit, so a live worker started with a longer
# --stale-after keeps its jobs. 30s applies to workers whose record is stale or was
# replaced by a later worker of the same container (docs/DOCKER.md).
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
  # without --scale would bring the service back to one replica. A failure here (no worker
  # container was ever created) must not keep the jobs from being taken back.
  compose start worker || printf '%s: could not start the worker containers; reaping anyway\n' "$(basename "$0")" >&2
fi
edgar_in_stack reap-stuck --stale-after "$stale_after" ${reap_flags[@]+"${reap_flags[@]}"}
edgar_in_stack status
