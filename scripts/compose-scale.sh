#!/usr/bin/env bash
# Scale the workers to N (0 stops them all), then show the queue:
#   scripts/compose-scale.sh 8
#   scripts/compose-scale.sh 2
# Unlike a bare `docker compose up -d --scale worker=N`, running workers are never
# recreated (--no-recreate), even when the compose file changed since they started, and
# nothing but the workers and what they depend on is touched. Replicas removed by a
# scale-down get SIGTERM: each finishes its jobs within --grace, hands back the rest to
# pending/, and exits before stop_grace_period runs out. No job is lost either way.
set -euo pipefail
# shellcheck source=scripts/lib/compose.sh
source "$(dirname "$0")/lib/compose.sh"

[[ $# -eq 1 ]] || usage_error "usage: scripts/compose-scale.sh N   (the number of workers; 0 stops them all)"
[[ $1 =~ ^[0-9]+$ ]] || usage_error "N must be a whole number, not \"$1\""
n=$((10#$1))

compose up --detach --no-recreate --scale "worker=$n" worker
edgar_in_stack status
