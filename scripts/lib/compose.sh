# shellcheck shell=bash
# Sourced by scripts/compose-*.sh. Runs from the project root (where docker-compose.yml
# and .env are) whatever the caller's folder, and defines:
#   compose ARGS...      docker compose (v2; v1's `docker-compose` lacks `ps --status`)
#   edgar_in_stack ARGS  an edgar command inside the stack: in a running worker container
#                        if there is one (docker exec into the first that `ps` lists as
#                        running: `compose exec worker` always targets replica 1, which
#                        may be the one that is stopped), else in a throw-away coordinator
#                        container that starts nothing else (--no-deps): status and
#                        reap-stuck need only the queue volume.
#   usage_error MSG      one line on stderr, exit 2 (the CLI's convention)

cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2

usage_error() {
  printf '%s: %s\n' "$(basename "$0")" "$*" >&2
  exit 2
}

if ! docker compose version >/dev/null 2>&1; then
  usage_error "needs Docker Compose v2 (the \`docker compose\` command); see https://docs.docker.com/compose/install/"
fi

compose() {
  docker compose "$@"
}

# A terminal on both ends: `docker exec -it` (so Ctrl-C reaches `status --watch`);
# otherwise no TTY, which `compose run` must be told with -T ("the input device is not a
# TTY"). (Arrays are expanded as ${a[@]+"${a[@]}"} throughout: macOS's bash 3.2 calls an
# empty array unbound under `set -u`.)
exec_flags=()
run_flags=(-T)
if [[ -t 0 && -t 1 ]]; then
  exec_flags=(-it)
  run_flags=()
fi

edgar_in_stack() {
  local running
  running=$(compose ps --status running --quiet worker 2>/dev/null || true)
  # The first id, without `head`: it would close the pipe early under `set -o pipefail`.
  local container=${running%%$'\n'*}
  if [[ -n "$container" ]]; then
    docker exec ${exec_flags[@]+"${exec_flags[@]}"} "$container" edgar "$@"
  else
    compose run --rm --no-deps ${run_flags[@]+"${run_flags[@]}"} coordinator edgar "$@"
  fi
}
