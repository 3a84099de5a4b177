#!/usr/bin/env bash
# Per-checkout test credentials: one client key, one fixed host key per node,
# and a known_hosts that lets clients verify every node strictly by name and
# by IP. Generated once under .cache/sandbox (git-ignored), never committed.

ensure_keys() {
  mkdir -p "${SB_CACHE}/hostkeys"
  chmod 700 "${SB_CACHE}"
  if [[ ! -f "${SANDBOX_KEY}" ]]; then
    log "generating test client key ${SANDBOX_KEY}"
    ssh-keygen -q -t ed25519 -N '' -C herd-sandbox -f "${SANDBOX_KEY}"
  fi
  cp "${SANDBOX_KEY}.pub" "${SB_CACHE}/authorized_keys"
  chmod 644 "${SB_CACHE}/authorized_keys"

  local node ip dir tmp
  tmp="$(mktemp "${SB_CACHE}/known_hosts.XXXXXX")"
  : >"${SANDBOX_SSH_CONFIG}.tmp"
  for node in "${NODES[@]}"; do
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
    printf 'Host %s\n  HostName %s\n  HostKeyAlias %s\n  User root\n  IdentityFile %s\n  IdentitiesOnly yes\n  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n\n' \
      "${node}" "${ip}" "${node}" "${SANDBOX_KEY}" "${SANDBOX_KNOWN_HOSTS}" >>"${SANDBOX_SSH_CONFIG}.tmp"
  done
  mv "${tmp}" "${SANDBOX_KNOWN_HOSTS}"
  chmod 644 "${SANDBOX_KNOWN_HOSTS}"
  mv "${SANDBOX_SSH_CONFIG}.tmp" "${SANDBOX_SSH_CONFIG}"
}
