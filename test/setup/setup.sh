#!/usr/bin/env bash
# Idempotent machine setup for HoldCell's test rig: apt packages, a running dockerd, tracefs, then the test images.
#
# Safe to run on every test run: each step checks first and only acts when something is missing, so on a
# prepared machine it finishes in a second or two. On a fresh Debian bookworm CI machine it installs everything.
set -euo pipefail

log() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# apt, mount and dockerd need root; CI may run us as a sudo-capable user instead.
SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || die "not root and no sudo: run this script as root"
  SUDO=(sudo -E)
fi

# --- 1. Debian packages -------------------------------------------------------------------------------
# docker.io: the engine under test; chromium: Playwright's browser (no browser downloads here);
# strace: the syscall tracer the capture code drives; busybox-static + debootstrap: image rootfs sources;
# poppler-utils: pdftotext to check generated reports; iproute2: network inspection; ca-certificates: TLS;
# openssh-server + openssl: a real sshd and real certificates for the SSH and TLS engine tests;
# libcap2-bin: setcap, to put a real security.capability xattr into the tar-index fixtures;
# bpftrace: the eBPF tracer the capture code drives on syscall tracepoints (tracefs, step 3).
packages=(docker.io chromium strace busybox-static debootstrap poppler-utils iproute2 ca-certificates openssh-server openssl libcap2-bin bpftrace)

is_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

missing=()
for p in "${packages[@]}"; do
  is_installed "$p" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  log "packages: all present (${packages[*]})"
else
  log "packages: installing ${missing[*]}"
  # Non-interactive so needrestart/debconf never prompt on a CI machine.
  export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a
  "${SUDO[@]}" apt-get update
  "${SUDO[@]}" apt-get install -y "${missing[@]}"
  for p in "${missing[@]}"; do
    is_installed "$p" || die "package $p still not installed after apt-get install"
  done
  log "packages: installed ${missing[*]}"
fi

# --- 2. dockerd ---------------------------------------------------------------------------------------
# `docker version` only succeeds when the *server* answers; the CLI alone is not enough.
docker_answers() {
  timeout "${1:-5}" docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

dockerd_log="${HOLDCELL_DOCKERD_LOG:-/tmp/holdcell-dockerd.log}"

if docker_answers 5; then
  log "dockerd: answering (server $(docker version --format '{{.Server.Version}}' 2>/dev/null))"
else
  # Starting a local dockerd only makes sense when the CLI points at the local default socket.
  if [[ -n "${DOCKER_HOST:-}" && "${DOCKER_HOST}" != "unix:///var/run/docker.sock" ]]; then
    die "DOCKER_HOST=${DOCKER_HOST} does not answer; start that engine or unset DOCKER_HOST"
  fi
  # A dockerd that is still booting (e.g. started by systemd from the package postinst) must not get a twin.
  if pgrep -x dockerd >/dev/null 2>&1; then
    log "dockerd: a dockerd process exists but does not answer yet; waiting for it"
  else
    log "dockerd: not answering; starting it in the background (log: ${dockerd_log})"
    # setsid + nohup: the daemon must outlive this script and the CI step that ran it.
    "${SUDO[@]}" bash -c "nohup setsid dockerd >>'${dockerd_log}' 2>&1 </dev/null &"
  fi
  waited=0
  until docker_answers 3; do
    if ((waited >= 60)); then
      log "dockerd: last lines of ${dockerd_log}:"
      tail -n 30 "${dockerd_log}" 2>/dev/null | sed 's/^/[setup]   /' >&2 || true
      die "dockerd did not answer within 60 s"
    fi
    sleep 2
    waited=$((waited + 2))
  done
  log "dockerd: answering after ~${waited} s (server $(docker version --format '{{.Server.Version}}' 2>/dev/null))"
fi
log "dockerd: storage driver $(docker info --format '{{.Driver}}' 2>/dev/null), cgroup v$(docker info --format '{{.CgroupVersion}}' 2>/dev/null)"

# --- 3. tracefs ---------------------------------------------------------------------------------------
# Tracer tests read /sys/kernel/tracing. Not fatal: in some sandboxes the kernel forbids the mount and those
# tests report themselves as unavailable instead.
if grep -qs ' /sys/kernel/tracing tracefs ' /proc/mounts; then
  log "tracefs: mounted at /sys/kernel/tracing"
elif out="$("${SUDO[@]}" mount -t tracefs nodev /sys/kernel/tracing 2>&1)"; then
  log "tracefs: mounted at /sys/kernel/tracing"
else
  log "tracefs: could not mount /sys/kernel/tracing (continuing): ${out:-no reason given}"
fi

# --- 4. test images -----------------------------------------------------------------------------------
bash "${here}/images.sh"

log "done"
