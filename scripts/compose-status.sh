#!/usr/bin/env bash
# `edgar status` for the Compose stack: counts per state, live workers and what each
# holds, stale claims, recent failures. Any `edgar status` flag passes through:
#   scripts/compose-status.sh            scripts/compose-status.sh --watch
#   scripts/compose-status.sh --json | jq .counts
# It runs in a worker container when one is up, else in a one-off container that starts
# nothing but itself, so it also works with every worker stopped.
set -euo pipefail
# shellcheck source=scripts/lib/compose.sh
source "$(dirname "$0")/lib/compose.sh"

edgar_in_stack status "$@"
