# Sourced by scripts/test and scripts/bench: the Python venv in .venv with the peer clients.
# Pinned so that a run today and next month talk to the same awscli, boto3 and moto.
#
#   ensure_venv                 awscli, boto3 and moto[server]
#   ensure_venv_extra PKG==VER  one more pinned package (e.g. matplotlib for the bench plot)

py_reqs=("awscli==1.46.3" "boto3==1.44.5" "moto[server]==5.2.5")

ensure_venv() {
  local stamp=".venv/.switchyard-reqs"
  if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "${py_reqs[*]}" ]; then
    printf '\033[1m==> %s\033[0m\n' "creating .venv with ${py_reqs[*]}" >&2
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check "${py_reqs[@]}"
    echo "${py_reqs[*]}" > "$stamp"
  fi
}

ensure_venv_extra() {
  local req=$1
  local stamp=".venv/.switchyard-extra-${req%%==*}"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$req" ]; then
    printf '\033[1m==> %s\033[0m\n' "installing $req into .venv" >&2
    .venv/bin/pip install --quiet --disable-pip-version-check "$req"
    echo "$req" > "$stamp"
  fi
}
