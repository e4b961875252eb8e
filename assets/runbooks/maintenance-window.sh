#!/usr/bin/env bash
# maintenance-window.sh: an example runbook for a planned maintenance window with switchyard.
#
#   status -> plan on -> maintenance on --wait -> the work -> maintenance off --wait -> status
#
# Usage:
#   maintenance-window.sh --site NAME --reason "TEXT" [--timeout 15m]
#
# Environment:
#   SWITCHYARD         the switchyard binary (default: switchyard on PATH)
#   SWITCHYARD_CONFIG  the config file (default: switchyard's own rules,
#                      ~/.config/switchyard/config.toml)
#   AWS_*              the usual AWS settings (profile, region, proxy, endpoint)
#
# Exit codes: 0 the window went through and the site is live again; otherwise the exit code of
# the switchyard step that failed (see `switchyard help maintenance`):
#   2 usage or config error, 3 credentials or access, 4 refused by a preflight check,
#   5 a step failed, 6 not converged before --timeout, 7 conflict (another operator), 8 not
#   confirmed, 9 stopped by a signal between two steps; status codes: 10 DEGRADED, 11 FAILED
#   OVER, 12 MAINTENANCE, 13 SWITCHING, 14 UNKNOWN, 15 DOWN, 16 INTERRUPTED (a switch stopped
#   halfway). 1: this script's own usage error.
#
# Rehearse it first on a copy of production: `switchyard rehearse --site NAME --no-console`
# prints the environment that points this script at the copy.

set -euo pipefail

SWITCHYARD="${SWITCHYARD:-switchyard}"
site=""
reason=""
timeout="15m"

usage() {
    sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 1
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --site) site="${2:-}"; shift 2 || usage ;;
        --reason) reason="${2:-}"; shift 2 || usage ;;
        --timeout) timeout="${2:-}"; shift 2 || usage ;;
        -h|--help) usage ;;
        *) echo "maintenance-window: unknown argument: $1" >&2; usage ;;
    esac
done
[[ -n "$site" ]] || { echo "maintenance-window: --site is required" >&2; usage; }
[[ -n "$reason" ]] || { echo "maintenance-window: --reason is required" >&2; usage; }

# The config, passed explicitly so that every step reads the same file.
config=()
if [[ -n "${SWITCHYARD_CONFIG:-}" ]]; then
    config=(--config "$SWITCHYARD_CONFIG")
fi

log() { printf '%s maintenance-window: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }

# Runs one switchyard step; its exit code lands in $rc (set -e does not stop the script here, so
# that each step's code gets its own message).
rc=0
step() {
    log "\$ switchyard $*"
    set +e
    "$SWITCHYARD" "${config[@]}" "$@"
    rc=$?
    set -e
}

fail() {
    log "FAILED: $1 (exit $rc)"
    exit "$rc"
}

# 1. Where are we? Only a live (or degraded: the app still served) site goes into a window.
step status --site "$site"
case $rc in
    0) log "$site is LIVE" ;;
    10) log "$site is DEGRADED (the app is served); going on" ;;
    12) fail "$site is already in MAINTENANCE: someone else holds a window (switchyard log --site $site)" ;;
    11) fail "$site has FAILED OVER on its own: fix the app first, this is not a planned window" ;;
    16) fail "$site is INTERRUPTED: a switch was stopped halfway; 'switchyard status --site $site' names who, and the commands that finish and undo it" ;;
    *) fail "status of $site is not LIVE" ;;
esac

# 2. What will happen: every AWS call, and the preflight checks. Read calls only.
step plan on --site "$site"
case $rc in
    0) ;;
    4) fail "a preflight check refused the switch (see the plan above)" ;;
    7) fail "conflict: an unfinished switch of $site (maintenance off --site $site finishes it)" ;;
    *) fail "no plan for $site" ;;
esac

# 3. Into maintenance, and wait until the sorry page is what the world sees.
step maintenance on --site "$site" --reason "$reason" --yes --wait --timeout "$timeout"
case $rc in
    0) log "$site is in MAINTENANCE" ;;
    6) fail "switched, but not converged within $timeout: check 'switchyard status --site $site', then 'maintenance off'" ;;
    5) fail "a step failed; the journal says what is left: run 'switchyard maintenance off --site $site'" ;;
    9) fail "stopped by a signal between two steps: 'switchyard maintenance on --site $site' finishes entering, 'switchyard maintenance off --site $site' undoes it" ;;
    19) fail "not approved (declined, expired, or the plan changed since it was approved): nothing was changed" ;;
    *) fail "could not put $site into maintenance" ;;
esac

# 4. The work. Replace this line with the real work; a failure here stops the script with the
#    site still in maintenance (that is what you want: nobody sees a half-done deploy).
log "doing the work"
: "do the work here"

# 5. Fail back, and wait until the app is served again.
step maintenance off --site "$site" --reason "$reason: done" --yes --wait --timeout "$timeout"
case $rc in
    0) log "$site failed back" ;;
    6) fail "failed back, but not converged within $timeout: check 'switchyard status --site $site'" ;;
    9) fail "the fail back was stopped by a signal between two steps: 'switchyard maintenance off --site $site' finishes it, 'switchyard maintenance on --site $site' undoes it" ;;
    19) fail "the fail back was not approved (declined, expired, or the plan changed): $site is still in maintenance" ;;
    *) fail "could not fail $site back: it is still in maintenance" ;;
esac

# 6. Check that it is live.
step status --site "$site"
case $rc in
    0) log "$site is LIVE: the window is over" ;;
    10) log "$site is DEGRADED (served, with some targets unhealthy): the window is over"; rc=0 ;;
    *) fail "$site is not live after the window" ;;
esac
exit 0
