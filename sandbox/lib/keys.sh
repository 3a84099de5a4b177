#!/usr/bin/env bash
# Per-checkout test credentials: one client key (accepted for root, admin
# and ops), one fixed host key per node, a known_hosts that lets clients
# verify every node strictly by name and by IP, and the ops account's sudo
# password. Generated once under .cache/sandbox (git-ignored), never
# committed, never part of an image.

ensure_keys() {
  mkdir -p "${SB_CACHE}/hostkeys"
  chmod 700 "${SB_CACHE}"
  if [[ ! -f "${SANDBOX_KEY}" ]]; then
    log "generating test client key ${SANDBOX_KEY}"
    ssh-keygen -q -t ed25519 -N '' -C herd-sandbox -f "${SANDBOX_KEY}"
  fi
  # One file per account sshd may let the key into (AuthorizedKeysFile
  # .../%u). root's is there on every host: on the systemd hosts it is
  # PermitRootLogin no that turns the key away, as on a hardened host.
  local user
  mkdir -p "${SB_CACHE}/authorized_keys.d"
  chmod 755 "${SB_CACHE}/authorized_keys.d"
  for user in root "${ADMIN_USER}" "${OPS_USER}"; do
    cp "${SANDBOX_KEY}.pub" "${SB_CACHE}/authorized_keys.d/${user}"
    chmod 644 "${SB_CACHE}/authorized_keys.d/${user}"
  done
  rm -f "${SB_CACHE}/authorized_keys"
  if [[ ! -s "${OPS_PASSWORD_FILE}" ]]; then
    log "generating the ops sudo password ${OPS_PASSWORD_FILE}"
    (umask 077 && head -c 512 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c 24 >"${OPS_PASSWORD_FILE}.tmp")
    mv "${OPS_PASSWORD_FILE}.tmp" "${OPS_PASSWORD_FILE}"
  fi
  chmod 600 "${OPS_PASSWORD_FILE}"
  if [[ ! -s "${KDC_ADMIN_PASSWORD_FILE}" ]]; then
    log "generating the KDC admin password ${KDC_ADMIN_PASSWORD_FILE}"
    (umask 077 && head -c 512 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c 24 >"${KDC_ADMIN_PASSWORD_FILE}.tmp")
    mv "${KDC_ADMIN_PASSWORD_FILE}.tmp" "${KDC_ADMIN_PASSWORD_FILE}"
  fi
  # Read inside the KDC container by root only; 0644 on the host side
  # would be world-readable there too, so the owner's bits suffice.
  chmod 600 "${KDC_ADMIN_PASSWORD_FILE}"

  local node ip dir tmp
  tmp="$(mktemp "${SB_CACHE}/known_hosts.XXXXXX")"
  : >"${SANDBOX_SSH_CONFIG}.tmp"
  # The optional hosts too, so that a client trusts worker4 the moment
  # `sandbox.sh start worker4` brings it up.
  for node in "${ALL_NODES[@]}"; do
    ip="$(node_ip "${node}")"
    dir="${SB_CACHE}/hostkeys/${node}"
    mkdir -p "${dir}"
    if [[ ! -f "${dir}/ssh_host_ed25519_key" ]]; then
      ssh-keygen -q -t ed25519 -N '' -C "root@${node}" -f "${dir}/ssh_host_ed25519_key"
    fi
    chmod 600 "${dir}/ssh_host_ed25519_key"
    # One line per name: some known_hosts parsers mishandle comma lists.
    printf '%s %s\n' "${node}" "$(cut -d' ' -f1,2 "${dir}/ssh_host_ed25519_key.pub")" >>"${tmp}"
    printf '%s %s\n' "${ip}" "$(cut -d' ' -f1,2 "${dir}/ssh_host_ed25519_key.pub")" >>"${tmp}"
    printf 'Host %s\n  HostName %s\n  HostKeyAlias %s\n  User %s\n  IdentityFile %s\n  IdentitiesOnly yes\n  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n\n' \
      "${node}" "${ip}" "${node}" "$(node_login_user "${node}")" "${SANDBOX_KEY}" "${SANDBOX_KNOWN_HOSTS}" >>"${SANDBOX_SSH_CONFIG}.tmp"
  done
  mv "${tmp}" "${SANDBOX_KNOWN_HOSTS}"
  chmod 644 "${SANDBOX_KNOWN_HOSTS}"
  mv "${SANDBOX_SSH_CONFIG}.tmp" "${SANDBOX_SSH_CONFIG}"
}
