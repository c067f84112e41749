#!/usr/bin/env bash
# Builds HoldCell's integration-test images with `docker import` (no registry exists), only when missing.
#
#   holdcell-test/busybox:1          tiny rootfs from busybox-static: fast containers for most tests
#   holdcell-test/debian:bookworm    debootstrap minbase: a real dpkg database for package inventory tests
#   holdcell-test/tracer:1           the Debian image plus this host's strace: the tools image of capture's
#                                    helper container (HOLDCELL_TRACER_IMAGE in the tests)
#
# Both carry LABEL org.holdcell.test=1 so tests and cleanup can tell them from anything else on the engine.
# HOLDCELL_REBUILD_IMAGES=1 re-imports both even when present (delete the cached tarball to redo debootstrap);
# HOLDCELL_CACHE moves the debootstrap cache; HOLDCELL_DEBIAN_MIRROR overrides the mirror.
set -euo pipefail

log() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

BUSYBOX_IMAGE="holdcell-test/busybox:1"
DEBIAN_IMAGE="holdcell-test/debian:bookworm"
TRACER_IMAGE="holdcell-test/tracer:1"
TEST_LABEL="org.holdcell.test=1"
cache_dir="${HOLDCELL_CACHE:-${HOME}/.cache/holdcell}"
debian_tar="${cache_dir}/bookworm-minbase.tar"

# Same flags everywhere so the same rootfs always gives the same tar bytes (file order, times, owners).
deterministic_tar=(--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner)

image_present() {
  [[ "${HOLDCELL_REBUILD_IMAGES:-0}" != "1" ]] && docker image inspect "$1" >/dev/null 2>&1
}

image_size() {
  docker image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.1f MB", $1 / 1000000 }'
}

# Temp dirs are registered here and removed on any exit, so a failed build leaves no half-made rootfs behind.
tmp_dirs=()
cleanup() {
  local d
  for d in "${tmp_dirs[@]}"; do
    # Never delete through a mount point (debootstrap bind-mounts /proc and /sys into its target while it runs).
    if grep -qs " ${d}/" /proc/mounts; then
      log "WARNING: ${d} still has mounts; leaving it in place"
      continue
    fi
    rm -rf --one-file-system "${d}"
  done
}
trap cleanup EXIT

# Sets REPLY rather than printing: a $(...) subshell could not register the dir for cleanup.
make_tmp() {
  REPLY="$(mktemp -d "${2:-${TMPDIR:-/tmp}}/holdcell-$1.XXXXXX")"
  tmp_dirs+=("${REPLY}")
}

# --- holdcell-test/busybox:1 --------------------------------------------------------------------------
build_busybox() {
  local bb=/bin/busybox work root applet dir
  # busybox-static's binary: no shared libraries, so it runs in a rootfs with nothing else in it.
  [[ -x "${bb}" ]] || die "${bb} missing: install busybox-static (bash test/setup/setup.sh does)"
  make_tmp busybox
  work="${REPLY}"
  root="${work}/rootfs"
  mkdir -p "${root}"/{bin,sbin,usr/bin,usr/sbin,etc,root,home,tmp,var,proc,sys,dev}
  install -m 0755 "${bb}" "${root}/bin/busybox"

  # Prefer --list-full (applets at their usual paths: /bin/ls, /usr/bin/id, /sbin/ip ...); older builds only
  # have --list, then everything goes to /bin.
  if "${bb}" --list-full >/dev/null 2>&1; then
    while IFS= read -r applet; do
      [[ "${applet}" == */* ]] || continue # skips "linuxrc", which belongs at / and is not wanted
      [[ "${applet}" == "bin/busybox" ]] && continue
      dir="$(dirname "${applet}")"
      mkdir -p "${root}/${dir}"
      ln -sf /bin/busybox "${root}/${applet}"
    done < <("${bb}" --list-full)
  else
    while IFS= read -r applet; do
      [[ "${applet}" == "busybox" ]] && continue
      ln -sf /bin/busybox "${root}/bin/${applet}"
    done < <("${bb}" --list)
  fi

  # A non-root user lets tests exercise `--user nobody` and uid-based findings.
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/home:/bin/false' >"${root}/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"${root}/etc/group"
  chmod 0755 "${root}" "${root}"/{bin,sbin,usr,usr/bin,usr/sbin,etc,home,var,proc,sys,dev}
  chmod 0700 "${root}/root"
  chmod 1777 "${root}/tmp"
  chmod 0644 "${root}/etc/passwd" "${root}/etc/group"

  tar "${deterministic_tar[@]}" -C "${root}" -cf "${work}/rootfs.tar" .
  log "busybox: rootfs tar $(sha256sum "${work}/rootfs.tar" | cut -c1-16)… ($(stat -c %s "${work}/rootfs.tar") bytes)"
  docker import \
    --change 'CMD ["/bin/sh"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "LABEL ${TEST_LABEL}" \
    --message "HoldCell test image from busybox-static $(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null || echo unknown)" \
    "${work}/rootfs.tar" "${BUSYBOX_IMAGE}" >/dev/null
}

# --- holdcell-test/debian:bookworm --------------------------------------------------------------------
# The mirror apt already uses here is the one known to be reachable; HOLDCELL_DEBIAN_MIRROR overrides it.
debian_mirror() {
  local m=""
  if [[ -n "${HOLDCELL_DEBIAN_MIRROR:-}" ]]; then
    printf '%s\n' "${HOLDCELL_DEBIAN_MIRROR}"
    return
  fi
  # deb822 sources (bookworm default): "URIs: http://deb.debian.org/debian" — skip the -security archive.
  m="$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null |
    tr ' ' '\n' | grep -E '^https?://.*/debian/?$' | head -n1 || true)"
  if [[ -z "${m}" ]]; then
    # One-line sources: "deb [opts] http://mirror/debian bookworm main".
    m="$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      tr ' ' '\n' | grep -E '^https?://.*/debian/?$' | head -n1 || true)"
  fi
  printf '%s\n' "${m:-http://deb.debian.org/debian}"
}

make_debian_tarball() {
  local work root mirror started elapsed
  command -v debootstrap >/dev/null 2>&1 || die "debootstrap missing: run bash test/setup/setup.sh"
  mkdir -p "${cache_dir}"
  # The target lives next to the cache (same filesystem, exec and device nodes allowed), not in a noexec /tmp.
  make_tmp debootstrap "${cache_dir}"
  work="${REPLY}"
  root="${work}/rootfs"
  mirror="$(debian_mirror)"
  log "debian: debootstrap --variant=minbase bookworm from ${mirror} (once; cached afterwards) ..."
  started=${SECONDS}
  if ! debootstrap --variant=minbase bookworm "${root}" "${mirror}" >"${work}/debootstrap.log" 2>&1; then
    tail -n 30 "${work}/debootstrap.log" | sed 's/^/[setup]   /' >&2
    [[ -f "${root}/debootstrap/debootstrap.log" ]] && tail -n 30 "${root}/debootstrap/debootstrap.log" | sed 's/^/[setup]   /' >&2
    die "debootstrap failed (mirror ${mirror}; set HOLDCELL_DEBIAN_MIRROR to use another)"
  fi
  elapsed=$((SECONDS - started))
  log "debian: debootstrap took ${elapsed} s"
  [[ -s "${root}/var/lib/dpkg/status" ]] || die "debootstrap produced no /var/lib/dpkg/status"

  # Keep the dpkg database (package-inventory tests need it); drop download caches and host-specific bits.
  rm -f "${root}"/var/cache/apt/archives/*.deb "${root}"/var/cache/apt/*.bin
  rm -rf --one-file-system "${root}"/var/lib/apt/lists/* "${root}"/var/log/bootstrap.log
  printf 'holdcell-test\n' >"${root}/etc/hostname"
  : >"${root}/etc/resolv.conf"

  # Not the busybox flags: this rootfs has real owners (e.g. group shadow) and times that inventory tests read,
  # so only order and numeric ids are pinned. /dev, /proc, /sys contents are the engine's job at run time.
  tar --sort=name --numeric-owner \
    --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
    -C "${root}" -cf "${work}/rootfs.tar" .
  # Rename only a finished tarball into place, so an interrupted run never leaves a truncated cache behind.
  mv -f "${work}/rootfs.tar" "${debian_tar}"
  log "debian: cached ${debian_tar} ($(stat -c %s "${debian_tar}") bytes)"
}

build_debian() {
  if [[ -s "${debian_tar}" ]]; then
    log "debian: using cached ${debian_tar}"
  else
    make_debian_tarball
  fi
  docker import \
    --change 'CMD ["/bin/bash"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "LABEL ${TEST_LABEL}" \
    --message "HoldCell test image: debootstrap --variant=minbase bookworm" \
    "${debian_tar}" "${DEBIAN_IMAGE}" >/dev/null
}

# --- holdcell-test/tracer:1 --------------------------------------------------------------------------
# The host is Debian bookworm too, so its strace and the libraries it links run unchanged in the Debian image.
# Files go to their real paths (bookworm's /lib is a symlink to /usr/lib; copying onto it would replace it).
build_tracer() {
  local work add file real cid
  command -v strace >/dev/null 2>&1 || die "strace missing: run bash test/setup/setup.sh"
  make_tmp tracer
  work="${REPLY}"
  add="${work}/add"
  for file in "$(command -v strace)" $(ldd "$(command -v strace)" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'); do
    # The directory's real path, the file's own name (the soname the loader looks for, not its target's name).
    real="$(readlink -f "$(dirname "${file}")")/$(basename "${file}")"
    mkdir -p "${add}$(dirname "${real}")"
    cp -L "${file}" "${add}${real}"
  done
  cid="$(docker create --label "${TEST_LABEL}" "${DEBIAN_IMAGE}" /bin/true)"
  docker cp "${add}/." "${cid}:/" >/dev/null
  docker commit --change "LABEL ${TEST_LABEL}" --change 'CMD ["sleep", "2147483647"]' \
    --message "HoldCell test tracer image: ${DEBIAN_IMAGE} + $(strace -V | head -n 1)" "${cid}" "${TRACER_IMAGE}" >/dev/null
  docker rm "${cid}" >/dev/null
}

# --- main ---------------------------------------------------------------------------------------------
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 ||
  die "dockerd does not answer: run bash test/setup/setup.sh (it starts one)"

for image in "${BUSYBOX_IMAGE}" "${DEBIAN_IMAGE}" "${TRACER_IMAGE}"; do
  if image_present "${image}"; then
    log "image ${image}: present ($(image_size "${image}"))"
    continue
  fi
  log "image ${image}: building"
  # On a forced rebuild the old image would linger untagged; note it so it can be dropped afterwards.
  old_id="$(docker image inspect --format '{{.Id}}' "${image}" 2>/dev/null || true)"
  case "${image}" in
    "${BUSYBOX_IMAGE}") build_busybox ;;
    "${DEBIAN_IMAGE}") build_debian ;;
    "${TRACER_IMAGE}") build_tracer ;;
  esac
  [[ "$(docker image inspect --format '{{index .Config.Labels "org.holdcell.test"}}' "${image}")" == "1" ]] ||
    die "image ${image} lacks label ${TEST_LABEL}"
  if [[ -n "${old_id}" && "${old_id}" != "$(docker image inspect --format '{{.Id}}' "${image}")" ]]; then
    docker image rm "${old_id}" >/dev/null 2>&1 || log "image ${image}: old ${old_id:7:12} still in use; left untagged"
  fi
  log "image ${image}: built ($(image_size "${image}"))"
done
