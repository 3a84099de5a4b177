#!/usr/bin/env bash
# Secure mode from bare hosts (tests/sandbox/inventory-secure.yaml, against
# the sandbox's KDC): herd up creates every principal and keytab, the
# cluster CA and the keystores; status is healthy and every daemon logged in
# with its own principal; a client without a ticket is refused by RPC and
# by the web endpoints, and works once kinit'd; a DataNode logging in as
# another principal is refused by the NameNode; a NameNode restart loses no
# operation of a kinit'd client; smoke passes; a keytab the KDC no longer
# accepts is named by herd check and replaced by herd up; no secret reaches
# the journal, the outputs or any argv. Starts from bare hosts (a reset)
# and leaves the secure cluster running. Ends "secure: N passed, M failed".
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${ROOT}" || exit 2

SINV="${ROOT}/tests/sandbox/inventory-secure.yaml"
export HERD_STATE_DIR="${ROOT}/.herd/cluster-secure"
rm -rf "${HERD_STATE_DIR}"
out="$(mktemp -d)"
KDC="${COMPOSE_PROJECT}_kdc_1"
kadmin_local() { docker exec "${KDC}" kadmin.local -q "$1"; }
shead() { timeout 120 "${HERD}" "$@"; }

t0=$(date +%s)
sandbox/sandbox.sh reset >"${out}/reset.log" 2>&1 || { fail "the sandbox reset to bare hosts"; summary secure; exit; }
sandbox/sandbox.sh kdc >>"${out}/reset.log" 2>&1 || { fail "the KDC started"; summary secure; exit; }
echo "  (bare hosts and the KDC in $(($(date +%s) - t0)) s)"
ADMIN_PW="$(cat "${KDC_ADMIN_PASSWORD_FILE}")"

# Every command line on two hosts and here, five times a second, while the
# bring-up runs: the admin password and the host keys must be in none.
for n in master1 worker3; do
  root_on "${n}" 'rm -f /tmp/herd-argv /tmp/herd-argv.stop; nohup sh -c "while [ ! -f /tmp/herd-argv.stop ]; do ps -eo args >> /tmp/herd-argv; sleep 0.2; done" >/dev/null 2>&1 &' >/dev/null
done
(while [[ ! -f "${out}/argv.stop" ]]; do ps -eo args >>"${out}/argv-controller"; sleep 0.2; done) &

# --- 1. herd up from bare hosts
t0=$(date +%s)
timeout 900 "${HERD}" up -i "${SINV}" >"${out}/up.log" 2>&1
rc=$?
echo "  (herd up in $(($(date +%s) - t0)) s)"
check "herd up of the secure cluster from bare hosts" test "${rc}" -eq 0
[[ ${rc} -eq 0 ]] || tail -n 30 "${out}/up.log"
touch "${out}/argv.stop"
for n in master1 worker3; do root_on "${n}" 'touch /tmp/herd-argv.stop' >/dev/null; done
shead status -i "${SINV}" >"${out}/status.log" 2>&1
check "herd status: healthy" grep -qx healthy "${out}/status.log"
grep -qx healthy "${out}/status.log" || tail -n 12 "${out}/status.log"

logged_in() { # NODE LOG PRINCIPAL
  root_on "$1" "grep -qF 'Login successful for user $3 using keytab file' /var/log/hadoop/$2-$1.log"
}
check "the NameNode logged in as nn/master1" logged_in master1 hadoop-hdfs-namenode nn/master1@HERD.TEST
check "ZKFC logged in as nn/master2 (the NameNode's)" logged_in master2 hadoop-hdfs-zkfc nn/master2@HERD.TEST
check "the JournalNode logged in as jn/master3" logged_in master3 hadoop-hdfs-journalnode jn/master3@HERD.TEST
check "the DataNode logged in as dn/worker1" logged_in worker1 hadoop-hdfs-datanode dn/worker1@HERD.TEST
check "the DataNode without systemd logged in as dn/worker3" logged_in worker3 hadoop-hdfs-datanode dn/worker3@HERD.TEST
check "the ResourceManager logged in as rm/master2" logged_in master2 hadoop-yarn-resourcemanager rm/master2@HERD.TEST
check "the NodeManager logged in as nm/worker2" logged_in worker2 hadoop-yarn-nodemanager nm/worker2@HERD.TEST
check "the JobHistory server logged in as jhs/master3" logged_in master3 hadoop-mapred-historyserver jhs/master3@HERD.TEST
zk_log() { root_on "$1" 'journalctl -u zookeeper-server --no-pager -o cat 2>/dev/null'; }
zk_says() {
  local all
  all=$(for n in master1 master2 master3; do zk_log "${n}"; done)
  grep -qE "$1" <<<"${all}"
}
check "ZooKeeper logged in from its keytab" zk_says 'Server successfully logged in'
check "ZooKeeper authenticated ZKFC by SASL as nn/<host>" zk_says 'Successfully authenticated client: authenticationID=nn/master[12]@HERD.TEST'

# --- 2. no ticket, no access; a ticket, access; a wrong principal, refused
no_ticket=$(on worker1 'cd / && KRB5CCNAME=FILE:/tmp/herd-no-ticket /opt/hadoop/bin/hdfs dfs -ls / 2>&1')
check "without a ticket, hdfs dfs -ls / fails with Hadoop's authentication error" \
  grep -q 'Client cannot authenticate via:\[TOKEN, KERBEROS\]' <<<"${no_ticket}"
code=$(on worker1 "curl -s -o /dev/null -w '%{http_code}' --cacert /etc/security/tls/ca.pem 'https://master1:9871/jmx?qry=Hadoop:service=NameNode,name=NameNodeStatus'")
check "an unauthenticated GET of the NameNode's /jmx gets 401 (got ${code})" test "${code}" = 401
on worker1 "curl -s -o /dev/null https://master1:9871/jmx" >/dev/null 2>&1
check "without the cluster CA, TLS to the NameNode fails (curl exit 60)" test $? -eq 60
on worker1 "curl -s -o /dev/null http://master1:9870/jmx" >/dev/null 2>&1
check "nothing serves plain HTTP on the NameNode's web port (curl exit 7)" test $? -eq 7
CLIENT_PW="$(head -c 64 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c 20)"
kadmin_local "addprinc -pw ${CLIENT_PW} alice@HERD.TEST" >/dev/null 2>&1
printf '%s\n' "${CLIENT_PW}" | on worker1 'kinit -c FILE:/tmp/herd-alice alice@HERD.TEST >/dev/null' 2>/dev/null
check "kinit as alice on worker1" test $? -eq 0
round=$(on worker1 'cd / && export KRB5CCNAME=FILE:/tmp/herd-alice; echo secure-round-trip > /tmp/herd-alice.txt && /opt/hadoop/bin/hdfs dfs -put -f /tmp/herd-alice.txt /tmp/herd-alice.txt && /opt/hadoop/bin/hdfs dfs -cat /tmp/herd-alice.txt' 2>&1)
check "after kinit, the client round trip works" test "${round}" = secure-round-trip
# A DataNode logging in as intruder/worker1 (a principal of the realm, in
# a keytab hdfs can read), on worker1's ports with its real one stopped.
kadmin_local "addprinc -randkey intruder/worker1@HERD.TEST" >/dev/null 2>&1
docker exec "${KDC}" sh -c 'rm -f /tmp/intruder.keytab && kadmin.local -q "ktadd -k /tmp/intruder.keytab intruder/worker1@HERD.TEST" >/dev/null && base64 -w0 /tmp/intruder.keytab' >"${out}/intruder.b64"
root_on worker1 "base64 -d > /tmp/intruder.keytab && chown hdfs /tmp/intruder.keytab && chmod 0400 /tmp/intruder.keytab" <"${out}/intruder.b64"
root_on worker1 'systemctl stop hadoop-hdfs-datanode.service
  rm -rf /tmp/herd-intruder-conf && cp -rp /opt/hadoop/etc/hadoop /tmp/herd-intruder-conf
  sed -i "s|dn/_HOST@HERD.TEST|intruder/_HOST@HERD.TEST|; s|/etc/security/keytabs/dn.service.keytab|/tmp/intruder.keytab|" /tmp/herd-intruder-conf/hdfs-site.xml
  sed -i "s|^export HADOOP_CONF_DIR=.*|export HADOOP_CONF_DIR=/tmp/herd-intruder-conf|" /tmp/herd-intruder-conf/hadoop-env.sh
  cd / && (timeout 60 runuser -u hdfs -- env HADOOP_CONF_DIR=/tmp/herd-intruder-conf HADOOP_ROOT_LOGGER=INFO,console HADOOP_LOG_DIR=/tmp /opt/hadoop/bin/hdfs datanode > /tmp/herd-intruder.log 2>&1 &)
  for i in $(seq 1 120); do grep -q "Problem connecting to server" /tmp/herd-intruder.log && break; sleep 0.5; done
  pkill -f "proc_datanod[e]"
  for i in $(seq 1 40); do pgrep -f "proc_datanod[e]" >/dev/null || break; sleep 0.5; done
  systemctl start hadoop-hdfs-datanode.service' >/dev/null 2>&1
intruder=$(root_on worker1 'cat /tmp/herd-intruder.log')
check "the intruder DataNode logged in as intruder/worker1" grep -q 'Login successful for user intruder/worker1@HERD.TEST' <<<"${intruder}"
refused_intruder() {
  local n
  for n in master1 master2; do
    root_on "${n}" "grep -qF 'for protocol org.apache.hadoop.hdfs.server.protocol.DatanodeProtocol is unauthorized for user intruder/worker1@HERD.TEST' /var/log/hadoop/hadoop-hdfs-namenode-${n}.log" && return 0
  done
  return 1
}
check "the NameNode refuses the DataNode of the wrong principal (DatanodeProtocol unauthorized)" refused_intruder
check "and the intruder DataNode never registered" bash -c "! grep -q 'Successfully sent block report' <<<\"\$1\"" _ "${intruder}"
for _ in $(seq 1 60); do grep -qx healthy <(shead status -i "${SINV}" 2>/dev/null) && break; sleep 2; done

# --- 3. a NameNode restart under a kinit'd client; smoke
on worker1 'rm -f /tmp/herd-client.*; cd / && KRB5CCNAME=FILE:/tmp/herd-alice /opt/hadoop/bin/hdfs dfs -mkdir -p /tmp/herd-secure-restart' >/dev/null 2>&1
on worker1 'nohup bash -c '"'"'export KRB5CCNAME=FILE:/tmp/herd-alice; cd /; a=0; f=0; i=0
while [ ! -f /tmp/herd-client.stop ]; do
  i=$((i+1)); echo "$i" > /tmp/herd-client.payload; p=/tmp/herd-secure-restart/f$((i%3))
  a=$((a+1)); /opt/hadoop/bin/hdfs dfs -put -f /tmp/herd-client.payload $p >/dev/null 2>>/tmp/herd-client.err || { f=$((f+1)); echo "put $i failed" >> /tmp/herd-client.err; }
  a=$((a+1)); [ "$(/opt/hadoop/bin/hdfs dfs -cat $p 2>>/tmp/herd-client.err)" = "$i" ] || { f=$((f+1)); echo "cat $i failed" >> /tmp/herd-client.err; }
  echo "$a $f" > /tmp/herd-client.count
done'"'"' >/dev/null 2>&1 &' >/dev/null
counts() { on worker1 'cat /tmp/herd-client.count 2>/dev/null || echo 0 0'; }
for _ in $(seq 1 60); do [[ "$(counts)" != "0 0" ]] && break; sleep 1; done
timeout 600 "${HERD}" restart namenode -i "${SINV}" -q >"${out}/restart.log" 2>&1
check "herd restart namenode on the secure cluster" test $? -eq 0
sleep 3
on worker1 'touch /tmp/herd-client.stop' >/dev/null
sleep 4
read -r ops failed_ops <<<"$(counts)"
check "the kinit'd client saw 0 failed of ${ops} operations through the restart" test "${failed_ops:-1}" -eq 0 -a "${ops:-0}" -gt 4
[[ "${failed_ops:-1}" -eq 0 ]] || on worker1 'tail -n 5 /tmp/herd-client.err'
timeout 600 "${HERD}" smoke -i "${SINV}" >"${out}/smoke.log" 2>&1
check "herd smoke passes on the secure cluster" test $? -eq 0
grep -E '^(zookeeper|hdfs|yarn|jobhistory|smoke)' "${out}/smoke.log" | cut -c1-200 | sed 's/^/  /'

# --- 4. a keytab the KDC no longer accepts
kadmin_local "ktadd -k /tmp/rekey.keytab dn/worker2@HERD.TEST" >/dev/null 2>&1
shead check -i "${SINV}" >"${out}/check.log" 2>&1
check_rc=$?
check "herd check fails on a keytab the KDC re-keyed" test "${check_rc}" -ne 0
names_it() { grep -A3 '^worker2' "${out}/check.log" | grep -q "dn.service.keytab of dn/worker2@HERD.TEST does not hold the KDC's key"; }
check "herd check names worker2 and dn/worker2@HERD.TEST" names_it
timeout 600 "${HERD}" up -i "${SINV}" >"${out}/up2.log" 2>&1
check "herd up exports the keytab again" test $? -eq 0
stale_on() { root_on "$1" "grep -qx $2 /opt/.herd/stale"; }
check "and records the DataNode holding the old key stale on worker2" stale_on worker2 datanode
shead check -i "${SINV}" >"${out}/check2.log" 2>&1
check "herd check passes after it" test $? -eq 0
timeout 600 "${HERD}" restart --stale -i "${SINV}" -q >"${out}/stale.log" 2>&1
check "herd restart --stale restarts it" test $? -eq 0

# Keytabs the security team issued: the hosts' own, copied here, are
# checked and kept; an issued one of another principal stops the host there.
issued="${out}/issued"
for n in master1 master2 master3 worker1 worker2 worker3; do
  mkdir -p "${issued}/${n}"
  for f in $(root_on "${n}" 'ls /etc/security/keytabs'); do
    root_on "${n}" "base64 -w0 /etc/security/keytabs/${f}" | base64 -d >"${issued}/${n}/${f}"
  done
done
chmod 600 "${issued}"/*/*
IINV="${ROOT}/tests/sandbox/inventory-issued.local.yaml"
sed -e "s|      admin_principal: admin/admin|      keytabs: ${issued}|" -e '/admin_password_file/d' "${SINV}" >"${IINV}"
timeout 600 "${HERD}" up -i "${IINV}" >"${out}/up-issued.log" 2>&1
check "herd up with issued keytabs checks and keeps them" test $? -eq 0
base64 -d <"${out}/intruder.b64" >"${issued}/worker1/dn.service.keytab"
root_on worker1 'mv /etc/security/keytabs/dn.service.keytab /tmp/herd-dn.keep' >/dev/null
timeout 600 "${HERD}" up -i "${IINV}" >"${out}/up-issued2.log" 2>&1
up_rc=$?
root_on worker1 'mv /tmp/herd-dn.keep /etc/security/keytabs/dn.service.keytab' >/dev/null
check "an issued keytab of another principal stops herd up" test "${up_rc}" -ne 0
check "naming worker1 and dn/worker1@HERD.TEST" \
  grep -q "failed on host worker1: .*the issued keytab dn.service.keytab does not hold dn/worker1@HERD.TEST" <(tr '\n' ' ' <"${out}/up-issued2.log")
gone() { ! root_on worker1 'test -e /etc/security/keytabs/.herd-issued'; }
check "and the issued copies are gone from the host" gone
rm -f "${IINV}"

# --- 5. no secret in the journal, the outputs or any argv
for n in master1 worker3; do root_on "${n}" 'cat /tmp/herd-argv' >"${out}/argv-${n}" 2>/dev/null; done
# Eight bytes of key material from the middle of each exported keytab.
root_on worker2 'od -An -tx1 -j 60 -N 8 /etc/security/keytabs/dn.service.keytab | tr -d " \n"' >"${out}/keybytes" 2>/dev/null
keyhex="$(cat "${out}/keybytes")"
host_key="$(grep -v -- ----- "${HERD_STATE_DIR}/ca/secure/hosts/master1.key" | tr -d '\n' | cut -c20-60)"
leaks=0
for f in "${HERD_STATE_DIR}"/runs/*/* "${out}"/*.log "${out}"/argv-*; do
  [[ -f "${f}" ]] || continue
  if grep -qF -- "${ADMIN_PW}" "${f}" || grep -qF -- "${host_key}" "${f}"; then
    echo "  secret in ${f}"
    leaks=$((leaks + 1))
  fi
  if [[ -n "${keyhex}" ]] && od -An -tx1 -v "${f}" | tr -d ' \n' | grep -qF "${keyhex}"; then
    echo "  keytab bytes in ${f}"
    leaks=$((leaks + 1))
  fi
done
check "no admin password, host key or keytab bytes in the journal, outputs or argv ($(ls "${HERD_STATE_DIR}"/runs | wc -l) runs scanned)" test "${leaks}" -eq 0 -a -n "${keyhex}" -a -n "${host_key}"

rm -rf "${out}"
summary secure
