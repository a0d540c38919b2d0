#!/usr/bin/env bash
# Brings up (and later tears down) a local Docker engine for `npm run test:container`.
#
#   ci-docker.sh up     install docker.io + debootstrap when missing, start dockerd when it is not
#                       running, and remember what was started so `down` stops only that
#   ci-docker.sh down   stop the dockerd that `up` started (never an engine that was already there)
#
# CI machines have no systemd, so dockerd is started directly in the background with its
# output in a log file. Must run as root (dockerd needs it).
set -euo pipefail

state_dir="${PAVED_DOCKER_STATE_DIR:-${TMPDIR:-/tmp}/paved-ci-docker}"
marker="$state_dir/started-dockerd.pid"
log="$state_dir/dockerd.log"
sock="/var/run/docker.sock"
wait_seconds="${PAVED_DOCKERD_WAIT:-60}"

die() { echo "ci-docker: $*" >&2; exit 1; }

engine_up() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

need_root() {
  [ "$(id -u)" -eq 0 ] || die "$1 needs root (run it as root, or start a Docker engine yourself first)"
}

install_missing() {
  local pkgs=()
  command -v dockerd >/dev/null 2>&1 || pkgs+=(docker.io)
  command -v docker >/dev/null 2>&1 || pkgs+=(docker.io)
  command -v debootstrap >/dev/null 2>&1 || pkgs+=(debootstrap)
  [ "${#pkgs[@]}" -eq 0 ] && return 0
  need_root "installing ${pkgs[*]}"
  command -v apt-get >/dev/null 2>&1 || die "missing ${pkgs[*]} and no apt-get to install them; install Docker and debootstrap by hand"
  echo "ci-docker: installing ${pkgs[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" ca-certificates >/dev/null
}

up() {
  install_missing
  if engine_up; then
    echo "ci-docker: a Docker engine is already running; leaving it alone"
    return 0
  fi
  need_root "starting dockerd"
  mkdir -p "$state_dir"
  # A stale socket from a killed engine makes dockerd refuse to start.
  if [ -S "$sock" ] && ! engine_up; then rm -f "$sock"; fi
  echo "ci-docker: starting dockerd (log: $log)"
  # setsid: the engine must outlive this script and must not receive the caller's Ctrl-C.
  setsid dockerd --host "unix://$sock" >"$log" 2>&1 < /dev/null &
  echo $! >"$marker"
  local i
  for ((i = 0; i < wait_seconds; i++)); do
    if engine_up; then
      echo "ci-docker: dockerd $(docker version --format '{{.Server.Version}}') is up (pid $(cat "$marker"))"
      return 0
    fi
    if ! kill -0 "$(cat "$marker")" 2>/dev/null; then
      tail -n 30 "$log" >&2 || true
      rm -f "$marker"
      die "dockerd exited during startup; its log is above"
    fi
    sleep 1
  done
  tail -n 30 "$log" >&2 || true
  die "dockerd did not answer on $sock within ${wait_seconds}s; its log is above"
}

down() {
  if [ ! -f "$marker" ]; then
    echo "ci-docker: dockerd was not started by 'up'; nothing to stop"
    return 0
  fi
  local pid
  pid="$(cat "$marker")"
  # Only that process, and only while it is still dockerd (a recycled pid belongs to someone else).
  if kill -0 "$pid" 2>/dev/null && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "dockerd" ]; then
    echo "ci-docker: stopping dockerd (pid $pid)"
    kill -TERM "$pid"
    local i
    for ((i = 0; i < 30; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "ci-docker: dockerd did not stop within 30s; sending SIGKILL" >&2
      kill -KILL "$pid" || true
    fi
  fi
  rm -f "$marker"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) die "usage: $0 up|down  (up: install and start a Docker engine; down: stop the one 'up' started)" ;;
esac
