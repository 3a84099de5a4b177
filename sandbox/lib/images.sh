#!/usr/bin/env bash
# Node images, built without pulling anything: a debootstrap rootfs imported
# as the base, then a small config layer. Tags carry a hash of their inputs,
# so an existing tag means "inputs unchanged, reuse".

DEBIAN_SUITE="bookworm"
DEBIAN_MIRROR="${SANDBOX_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# A different prefix gives a separate set of images (e.g. to time a cold build).
IMAGE_PREFIX="${SANDBOX_IMAGE_PREFIX:-herd-sandbox}"

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# Bump ROOTFS_RECIPE when build_base_image changes what goes into the rootfs;
# edits elsewhere in this file must not cost a debootstrap.
ROOTFS_RECIPE=2

base_image_tag() {
  echo "${IMAGE_PREFIX}-base:$(inputs_hash "${SANDBOX_DIR}/image/packages.txt" \
    "${DEBIAN_SUITE}" "recipe-${ROOTFS_RECIPE}")"
}

# The two node flavours (image/Dockerfile targets) share the base and every
# file of image/; the flavour name keeps their tags apart.
node_image_tag() {
  echo "${IMAGE_PREFIX}-node:$(inputs_hash "$(base_image_tag)" "${SANDBOX_DIR}/image" systemd)"
}

legacy_image_tag() {
  echo "${IMAGE_PREFIX}-node-legacy:$(inputs_hash "$(base_image_tag)" "${SANDBOX_DIR}/image" legacy)"
}

# Prints "reused" or "built" on stdout.
build_base_image() {
  local tag rootfs_tar rootfs hash
  tag="$(base_image_tag)"
  if image_exists "${tag}"; then
    echo reused
    return 0
  fi
  hash="${tag#*:}"
  rootfs_tar="${SB_CACHE}/rootfs-${hash}.tar"
  if [[ ! -f "${rootfs_tar}" ]]; then
    rootfs="$(mktemp -d "${SB_CACHE}/rootfs.XXXXXX")"
    mkdir -p "${SB_CACHE}/debs"
    local include
    include="$(grep -v '^#' "${SANDBOX_DIR}/image/packages.txt" | paste -sd, -)"
    log "debootstrap ${DEBIAN_SUITE} minbase (+${include}) from ${DEBIAN_MIRROR}; log ${SB_CACHE}/debootstrap.log"
    if ! debootstrap --variant=minbase --include="${include}" \
      --cache-dir="${SB_CACHE}/debs" \
      "${DEBIAN_SUITE}" "${rootfs}" "${DEBIAN_MIRROR}" >"${SB_CACHE}/debootstrap.log" 2>&1; then
      umount_below "${rootfs}"
      tail -n 30 "${SB_CACHE}/debootstrap.log" >&2
      rm -rf --one-file-system "${rootfs}"
      die "debootstrap failed (see ${SB_CACHE}/debootstrap.log)"
    fi
    umount_below "${rootfs}"
    # Host keys are per node and mounted at run time; apt lists and caches
    # only bloat the image.
    rm -f "${rootfs}"/etc/ssh/ssh_host_*
    rm -rf "${rootfs}"/var/lib/apt/lists/* "${rootfs}"/var/cache/apt/*.bin \
      "${rootfs}"/var/cache/apt/archives/*.deb
    # An empty machine-id makes systemd generate a transient one at each
    # boot, so no two hosts share one (and it is not a "first boot"); D-Bus
    # reads the same id.
    : >"${rootfs}/etc/machine-id"
    rm -f "${rootfs}/var/lib/dbus/machine-id"
    ln -s /etc/machine-id "${rootfs}/var/lib/dbus/machine-id"
    tar -C "${rootfs}" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' \
      --exclude='./sys/*' -cf "${rootfs_tar}.tmp" .
    mv "${rootfs_tar}.tmp" "${rootfs_tar}"
    rm -rf --one-file-system "${rootfs}"
  fi
  log "importing ${rootfs_tar} as ${tag}"
  docker import --change 'CMD ["/bin/bash"]' "${rootfs_tar}" "${tag}" >/dev/null
  # Older rootfs tars of other input hashes are dead weight.
  find "${SB_CACHE}" -maxdepth 1 -name 'rootfs-*.tar' ! -name "rootfs-${hash}.tar" -delete
  echo built
}

umount_below() {
  local m
  # Deepest first; debootstrap may leave /proc or /sys mounted on failure.
  while read -r m; do
    umount -l "${m}" 2>/dev/null || true
  done < <(awk -v r="$1" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r)
}

# build_flavour TARGET TAG: prints "reused" or "built".
build_flavour() {
  local target="$1" tag="$2" base
  base="$(base_image_tag)"
  if image_exists "${tag}"; then
    echo reused
    return 0
  fi
  log "building ${tag} (${target}) from ${base}"
  DOCKER_BUILDKIT=0 docker build -q --build-arg "BASE=${base}" --target "${target}" -t "${tag}" \
    "${SANDBOX_DIR}/image" >"${SB_CACHE}/docker-build-${target}.log" 2>&1 || {
    tail -n 20 "${SB_CACHE}/docker-build-${target}.log" >&2
    die "docker build of ${tag} failed (log: ${SB_CACHE}/docker-build-${target}.log)"
  }
  echo built
}

# Prints "reused" or "built" (built if either flavour was).
build_node_image() {
  local a b
  a="$(build_flavour systemd "$(node_image_tag)")"
  b="$(build_flavour legacy "$(legacy_image_tag)")"
  docker tag "$(node_image_tag)" "${IMAGE_PREFIX}-node:current"
  docker tag "$(legacy_image_tag)" "${IMAGE_PREFIX}-node-legacy:current"
  if [[ "${a}" == built || "${b}" == built ]]; then echo built; else echo reused; fi
}
