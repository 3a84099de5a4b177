#!/usr/bin/env bash
# Ports moved by the inventory: the NameNode web port (the seed's 50070), the
# JournalNode RPC port, the ZooKeeper client port, the ResourceManager web
# port and the Mesos master port. From bare hosts, herd up must gate on the
# moved ports, herd status must read healthy, and herd restart namenode must
# bounce both NameNodes through them. Ends "ports: N passed, M failed".
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sandbox_reset() { "${ROOT}/sandbox/sandbox.sh" reset >/dev/null 2>&1; }
check "sandbox reset to bare hosts" sandbox_reset

# The sandbox inventory with the moves; its relative paths made absolute,
# since the copy lives elsewhere.
PORTS_INV="${HERD_STATE_DIR}/inventory-ports.yaml"
mkdir -p "${HERD_STATE_DIR}"
sed -e "s#\.\./\.\./\.cache#${ROOT}/.cache#g" \
  -e 's#^      dfs.replication: 2$#      dfs.replication: 2\n      dfs.namenode.http-address.hadoop-cluster-bdnode.nn1: "master1:50070"\n      dfs.namenode.http-address.hadoop-cluster-bdnode.nn2: "master2:50070"\n      dfs.journalnode.rpc-address: "0.0.0.0:8495"#' \
  -e 's#^      yarn.scheduler.minimum-allocation-mb: 128$#      yarn.scheduler.minimum-allocation-mb: 128\n      yarn.resourcemanager.webapp.address.rm1: "master1:8098"\n      yarn.resourcemanager.webapp.address.rm2: "master2:8098"#' \
  -e 's#^    zoo.cfg: {}#    zoo.cfg: { clientPort: 2191 }#' \
  -e 's#^    mesos-master: {}#    mesos-master: { port: 5060 }#' \
  "${INV}" > "${PORTS_INV}"
moved() { grep -q '50070' "${PORTS_INV}" && grep -q '8495' "${PORTS_INV}" && grep -q '8098' "${PORTS_INV}" && grep -q 'clientPort: 2191' "${PORTS_INV}" && grep -q 'port: 5060' "${PORTS_INV}"; }
check "the inventory moves five ports" moved

timeout 900 "${HERD}" up -i "${PORTS_INV}" -q
rc=$?
check "herd up with moved ports exits 0 (saw ${rc})" test "${rc}" -eq 0

# listening NODE PORT: something listens on the port inside the node.
listening() { on "$1" "ss -Hltn 'sport = :$2'" 2>/dev/null | grep -q LISTEN; }
check "NameNode web on master1:50070" listening master1 50070
not_listening() { ! listening "$@"; }
check "nothing left on the default master1:9870" not_listening master1 9870
check "JournalNode RPC on master3:8495" listening master3 8495
check "ZooKeeper client on master2:2191" listening master2 2191
check "ResourceManager web on master1:8098" listening master1 8098
check "Mesos master on master3:5060" listening master3 5060

out="$(timeout 120 "${HERD}" status -i "${PORTS_INV}" 2>&1)"
rc=$?
echo "${out}" | tail -n 12
check "herd status with moved ports exits 0 (saw ${rc})" test "${rc}" -eq 0
check "herd status says healthy" grep -q '^healthy$' <<<"${out}"
check "herd status lists the moved NameNode port" grep -Eq 'namenode +running +[0-9]+ +[a-z]+ +([0-9][0-9.]* +)?[0-9,]*50070' <<<"${out}"

timeout 600 "${HERD}" restart namenode -i "${PORTS_INV}" -q
rc=$?
check "herd restart namenode with moved ports exits 0 (saw ${rc})" test "${rc}" -eq 0
out="$(timeout 120 "${HERD}" status -i "${PORTS_INV}" 2>&1)"
check "healthy after the restart" grep -q '^healthy$' <<<"${out}"

summary ports
