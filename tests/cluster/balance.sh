#!/usr/bin/env bash
# herd balance on a running cluster (after bringup): a bad --threshold is
# refused before anything runs; with a few files written the balancer says
# the cluster is balanced (exit 0, journaled as kind balance, its output
# kept on the host); a balancer lock held by another client is reported as
# another balancer running (exit 1); --timeout stops the balancer and leaves
# no balancer process behind. Ends "balance: N passed, M failed".
set -uo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${ROOT}" || exit 2

OUT="$(mktemp /tmp/herd-balance.XXXXXX)"
trap 'rm -f "${OUT}"; root_on master2 "pkill -f herd-balance-holder" >/dev/null 2>&1' EXIT
balance() { timeout 600 "${HERD}" balance -i "${INV}" "$@" >"${OUT}" 2>&1; }
runs_count() { find "${HERD_STATE_DIR}/runs" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l; }

# --- 1. refusals before anything runs
before="$(runs_count)"
for bad in 0 0.5 101 -3 ten; do
  balance --threshold "${bad}"
  rc=$?
  [[ ${rc} -eq 2 ]] || fail "--threshold ${bad}: exit ${rc}, want 2: $(tail -n 2 "${OUT}")"
done
check "--threshold 0, 0.5, 101, -3, ten: exit 2, no run journaled" test "$(runs_count)" = "${before}"

# --- 2. a few files, then the balancer
hdfs_on master1 "dfs -mkdir -p /tmp/herd-balance" >/dev/null 2>&1
for i in 1 2 3 4; do
  root_on worker1 "head -c 8388608 /dev/urandom > /tmp/herd-balance.$i && chmod 644 /tmp/herd-balance.$i"
  root_on worker1 "runuser -u hdfs -- /opt/hadoop/bin/hdfs dfs -put -f /tmp/herd-balance.$i /tmp/herd-balance/f$i && rm -f /tmp/herd-balance.$i" >/dev/null 2>&1
done
check "four 8 MiB files written" test "$(hdfs_on master1 "dfs -ls /tmp/herd-balance" 2>/dev/null | grep -c '/tmp/herd-balance/f')" = 4

t0=$(date +%s)
balance --threshold 10
rc=$?
took=$(($(date +%s) - t0))
check "herd balance --threshold 10: exit 0 (${took} s)" test "${rc}" -eq 0
check "the output says the cluster is balanced" grep -q "^balance: the cluster is balanced" "${OUT}"
check "the output names where the balancer's output is kept" grep -q "its output goes to master1:/var/log/hadoop/herd-balancer.log" "${OUT}"
run_dir="$(newest_run)"
check "journaled as kind balance, succeeded (${run_dir##*/})" eval \
  'grep -q "\"kind\":\"balance\"" "${run_dir}/events.jsonl" && grep -q "\"outcome\":\"succeeded\"" "${run_dir}/events.jsonl"'
log="$(root_on master1 "cat /var/log/hadoop/herd-balancer.log")"
check "the balancer's own log on master1: 'The cluster is balanced. Exiting...' and 'Balancing took'" \
  eval '[[ "${log}" == *"The cluster is balanced. Exiting..."* && "${log}" == *"Balancing took"* ]]'

# --- 3. another client holds the balancer's lock file
hdfs_on master2 "dfs -mkdir -p /system" >/dev/null 2>&1
hdfs_on master2 "dfs -touchz /system/balancer.id" >/dev/null 2>&1
# appendToFile keeps the file open (its lease held) while stdin stays open.
root_on master2 "nohup bash -c 'exec -a herd-balance-holder sleep 120' </dev/null 2>/dev/null | runuser -u hdfs -- /opt/hadoop/bin/hdfs dfs -appendToFile - /system/balancer.id >/dev/null 2>&1 &" >/dev/null 2>&1
sleep 8
balance --threshold 10
rc=$?
check "with the lock held: exit 1, 'another balancer is running' (exit ${rc})" \
  eval '[[ ${rc} -eq 1 ]] && grep -q "balance: another balancer is running on this cluster" "${OUT}"'
root_on master2 "pkill -f herd-balance-holder" >/dev/null 2>&1
sleep 3

# --- 4. --timeout stops the balancer (on this small cluster a whole run
# takes about 3 s, JVM start included: 1 s ends it before its first row)
balance --threshold 10 --timeout 1s
rc=$?
check "--timeout 1s: exit 1, 'timed out after 1s' (exit ${rc})" \
  eval '[[ ${rc} -eq 1 ]] && grep -q "balance: timed out after 1s" "${OUT}"'
gone() { [[ -z "$(on master1 "pgrep -f 'org.apache.hadoop.hdfs.server.balancer.Balancer'")" ]]; }
settled=no
for _ in $(seq 1 40); do gone && { settled=yes; break; }; sleep 1; done
check "no balancer process left on master1 after the timeout" test "${settled}" = yes

hdfs_on master1 "dfs -rm -r -f -skipTrash /tmp/herd-balance" >/dev/null 2>&1
summary balance
