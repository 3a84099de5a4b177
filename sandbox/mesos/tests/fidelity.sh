#!/usr/bin/env bash
# Fidelity checks for the Mesos 1.11 stand-in against a real 3-node ZooKeeper
# ensemble on 127.0.0.1. Every check prints PASS/FAIL with the behaviour it
# covers; the last line is "mesos: N passed, M failed". Exit status is 1 on
# any failure. Only loopback traffic; every wait is bounded.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OUT="${MESOS_TEST_OUT:-$REPO/.cache/mesos-test}"
WORK="$(mktemp -d /tmp/mesos-fidelity.XXXXXX)"
PIDS=()
PASS=0
FAIL=0
T0=$(date +%s)

cleanup() {
  local p c
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  # Daemons started through a wrapper shell carry this run's unique work dir
  # in their command line; end exactly those as well.
  for c in /proc/[0-9]*/cmdline; do
    p=${c#/proc/}; p=${p%/cmdline}
    { tr '\0' ' ' <"$c"; } 2>/dev/null | grep -qF "$WORK/" && kill -9 "$p" 2>/dev/null
  done
  if [[ -n "${KEEP_WORK:-}" ]]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

elapsed() { echo "$(( $(date +%s) - T0 ))s"; }
pass() { PASS=$((PASS + 1)); echo "PASS [$(elapsed)] $*"; }
fail() { FAIL=$((FAIL + 1)); echo "FAIL [$(elapsed)] $*"; }
check() { local what="$1"; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

command -v curl >/dev/null || { echo "curl is required" >&2; exit 2; }
for port in 22181 22182 22183 22888 22889 22890 23888 23889 23890 15050 15051 15052 15060 15061 15062 15063 15064 15065 15066 15150 15151; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port on 127.0.0.1 is already in use; stop whatever holds it first" >&2; exit 2
  fi
done

# ---------------------------------------------------------------- build
# The ZooKeeper server jars come from the same Maven build; force a rebuild if
# they are gone even though the tarball looks fresh.
[[ -d "$HERE/target/zk-server-lib" ]] || rm -f "$OUT/mesos-1.11.0.tar.gz"
if ! "$HERE/build.sh" "$OUT" >"$WORK/build.log" 2>&1; then
  cat "$WORK/build.log"; echo "mesos: 0 passed, 1 failed"; exit 1
fi
tar -C "$WORK" -xzf "$OUT/mesos-1.11.0.tar.gz"
BIN="$WORK/mesos-1.11.0/bin"
LIB="$WORK/mesos-1.11.0/lib"
echo "built and unpacked in $(elapsed)"

# ---------------------------------------------------------------- helpers
http_code() { curl -s -o /dev/null -m 3 -w '%{http_code}' "$1"; }
http_location() { curl -s -o /dev/null -m 3 -D - "$1" | tr -d '\r' | sed -n 's/^[Ll]ocation: //p'; }
http_body() { curl -s -m 3 "$1"; }
# metric PORT NAME -> value printed as integer (stout JSON escapes '/' as '\/').
metric() {
  local key="${2//\//\\\\/}"
  http_body "http://127.0.0.1:$1/metrics/snapshot" | grep -o "\"$key\":[0-9.]*" | head -1 | sed 's/.*://; s/\..*//'
}
json_str() { grep -o "\"$1\":\"[^\"]*\"" | head -1 | sed 's/^[^:]*:"//; s/"$//'; }
json_num() { grep -o "\"$1\":[0-9.]*" | head -1 | sed 's/^[^:]*://; s/\..*//'; }
# wait_for SECONDS CMD... : polls every 0.5 s, bounded.
wait_for() {
  local deadline=$(( $(date +%s) + $1 )); shift
  local rc
  while (( $(date +%s) < deadline )); do "$@"; rc=$?; [[ $rc -eq 0 ]] && return 0; [[ $rc -eq 2 ]] && return 2; sleep 0.5; done
  "$@"
}
alive() { kill -0 "$1" 2>/dev/null; }

ZK="zk://127.0.0.1:22181,127.0.0.1:22182,127.0.0.1:22183"

start_zk() {
  local i
  cat > "$WORK/zk-logback.xml" <<'EOF'
<configuration>
  <appender name="F" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{HH:mm:ss.SSS} %level %logger{0} - %msg%n</pattern></encoder>
  </appender>
  <root level="WARN"><appender-ref ref="F"/></root>
</configuration>
EOF
  for i in 1 2 3; do
    mkdir -p "$WORK/zk$i/data"
    echo "$i" > "$WORK/zk$i/data/myid"
    cat > "$WORK/zk$i/zoo.cfg" <<EOF
tickTime=500
initLimit=20
syncLimit=10
dataDir=$WORK/zk$i/data
clientPort=$((22180 + i))
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=srvr
server.1=127.0.0.1:22888:23888
server.2=127.0.0.1:22889:23889
server.3=127.0.0.1:22890:23890
EOF
    java -Xmx96m -XX:+UseSerialGC -Dlogback.configurationFile="$WORK/zk-logback.xml" -cp "$HERE/target/zk-server-lib/*" org.apache.zookeeper.server.quorum.QuorumPeerMain \
      "$WORK/zk$i/zoo.cfg" >"$WORK/zk$i/out.log" 2>&1 &
    PIDS+=($!)
    ZK_PIDS+=($!)
  done
}
ZK_PIDS=()
zk_serving() {
  local i out
  for i in "${ZK_PIDS[@]}"; do alive "$i" || return 2; done
  for i in 1 2 3; do
    out=$( (exec 3<>/dev/tcp/127.0.0.1/$((22180 + i)) && echo srvr >&3 && timeout 2 cat <&3) 2>/dev/null)
    [[ "$out" == *"Mode:"* ]] || return 1
  done
}

# start_master NAME PORT ZKPATH [extra flags...] ; sets LAST_PID
start_master() {
  local name="$1" port="$2" path="$3"; shift 3
  mkdir -p "$WORK/$name"
  "$BIN/mesos-master.sh" --ip=127.0.0.1 --hostname=127.0.0.1 --port="$port" \
    --work_dir="$WORK/$name/work" --zk="$ZK$path" --quorum=2 "$@" >"$WORK/$name/out.log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}
# start_agent NAME PORT ; sets LAST_PID
start_agent() {
  local name="$1" port="$2"; shift 2
  mkdir -p "$WORK/$name"
  "$BIN/mesos-agent.sh" --master="$ZK/mesos" --ip=127.0.0.1 --hostname=127.0.0.1 --port="$port" \
    --work_dir="$WORK/$name/work" --resources='cpus:4;mem:4096;disk:10000;ports:[31000-32000]' \
    --attributes='rack:r1' "$@" >>"$WORK/$name/out.log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}

# ---------------------------------------------------------------- 1. refusals
# refuse LABEL EXPECTED_RC EXPECTED_TEXT LAUNCHER ARGS...
refuse() {
  local label="$1" want_rc="$2" want="$3" launcher="$4"; shift 4
  local out rc
  out=$(timeout 30 "$BIN/$launcher" "$@" 2>&1); rc=$?
  if [[ $rc -eq $want_rc && "$out" == *"$want"* ]]; then
    pass "refusal: $label (exit $rc)"
  else
    fail "refusal: $label: wanted exit $want_rc and '$want', got exit $rc: $(echo "$out" | tail -3)"
  fi
}
R="$WORK/refuse"
refuse "master without --work_dir" 1 "--work_dir needed for replicated log based registry" \
  mesos-master.sh --zk="$ZK/mesos" --quorum=2
refuse "master --zk without --quorum" 1 "Need to specify --quorum for replicated log based registry when using ZooKeeper" \
  mesos-master.sh --work_dir="$R/m" --zk="$ZK/mesos"
refuse "master bad ZooKeeper URL" 1 "Error parsing ZooKeeper URL: Expecting 'zk://' at the beginning of the URL" \
  mesos-master.sh --work_dir="$R/m" --zk=127.0.0.1:22181/mesos --quorum=2
refuse "master unknown flag" 1 "Failed to load unknown flag 'bogus_flag'" \
  mesos-master.sh --work_dir="$R/m" --bogus_flag=1
refuse "master unknown flag help pointer" 1 'See `mesos-master --help` for a list of supported flags.' \
  mesos-master.sh --work_dir="$R/m" --bogus_flag=1
refuse "master rejects agent-only --no-systemd_enable_support" 1 "Failed to load unknown flag 'systemd_enable_support'" \
  mesos-master.sh --work_dir="$R/m" --no-systemd_enable_support
refuse "master bad duration" 1 "Failed to load flag 'registry_fetch_timeout'" \
  mesos-master.sh --work_dir="$R/m" --registry_fetch_timeout=5parsecs
refuse "agent without --master" 1 'Missing required option `--master` or `--master_detector`' \
  mesos-agent.sh --work_dir="$R/a"
refuse "agent without --work_dir" 1 "Flag 'work_dir' is required, but it was not provided" \
  mesos-agent.sh --master="$ZK/mesos"
refuse "agent without --work_dir help pointer" 1 'See `mesos-agent --help` for a list of supported flags.' \
  mesos-slave.sh --master="$ZK/mesos"
refuse "agent malformed --resources (no colon)" 1 "Failed to determine agent resources: Bad value for resources, missing or extra ':' in cpus40" \
  mesos-slave.sh --master="$ZK/mesos" --work_dir="$R/a" --resources='cpus40;mem:1024'
refuse "agent malformed --resources (text scalar)" 1 "Failed to determine agent resources: Bad type for resource mem value lots type TEXT" \
  mesos-agent.sh --master="$ZK/mesos" --work_dir="$R/a" --resources='cpus:4;mem:lots'
refuse "agent unknown flag" 1 "Failed to load unknown flag 'quorum'" \
  mesos-agent.sh --master="$ZK/mesos" --work_dir="$R/a" --quorum=2

# ---------------------------------------------------------------- ZooKeeper
start_zk
if wait_for 60 zk_serving; then
  echo "ZooKeeper ensemble serving after $(elapsed)"
else
  fail "3-node ZooKeeper ensemble did not start"; tail -n 5 "$WORK"/zk*/out.log
  echo "mesos: $PASS passed, $FAIL failed"; exit 1
fi

# ---------------------------------------------------------------- 3. fresh cluster, 2 of 3 masters
start_master fresh1 15150 /mesos-fresh --registry_fetch_timeout=5secs; F1=$LAST_PID
start_master fresh2 15151 /mesos-fresh --registry_fetch_timeout=5secs; F2=$LAST_PID
both_up_one_elected() {
  local e1 e2; e1=$(metric 15150 master/elected); e2=$(metric 15151 master/elected)
  [[ -n "$e1" && -n "$e2" && $((e1 + e2)) -eq 1 ]]
}
if wait_for 20 both_up_one_elected; then
  r1=$(metric 15150 registrar/log/recovered); r2=$(metric 15151 registrar/log/recovered)
  check "fresh cluster with 2 of 3 masters: registry never recovers (registrar/log/recovered=0 on both)" \
    test "$r1" = 0 -a "$r2" = 0
else
  fail "fresh cluster with 2 of 3 masters: no single elected master"
fi
one_exited() { ! alive "$F1" || ! alive "$F2"; }
if wait_for 25 one_exited; then
  if ! alive "$F1"; then dead=$F1; dname=fresh1; else dead=$F2; dname=fresh2; fi
  wait "$dead"; drc=$?
  if [[ $drc -ne 0 ]] && grep -q "Recovery failed: Failed to recover registrar: Failed to perform fetch within 5secs" "$WORK/$dname/out.log"; then
    pass "fresh cluster: elected master aborts (exit $drc) with 'Recovery failed: ... Failed to perform fetch within 5secs'"
  else
    fail "fresh cluster: elected master exit $drc without the Recovery failed text: $(tail -2 "$WORK/$dname/out.log")"
  fi
else
  fail "fresh cluster: elected master did not abort within the fetch timeout"
fi
kill -9 "$F1" "$F2" 2>/dev/null; wait "$F1" "$F2" 2>/dev/null

# ---------------------------------------------------------------- 2. three masters, one leader
MPORTS=(15050 15051 15052)
declare -A MPID
for i in 0 1 2; do
  start_master "m$i" "${MPORTS[$i]}" /mesos
  MPID[${MPORTS[$i]}]=$LAST_PID
done
leader_port() {
  local p n=0 lp=""
  for p in "${MPORTS[@]}"; do
    alive "${MPID[$p]}" || continue
    if [[ "$(metric "$p" master/elected)" == 1 ]]; then n=$((n + 1)); lp=$p; fi
  done
  [[ $n -eq 1 ]] && echo "$lp"
}
leader_ready() { local lp; lp=$(leader_port) && [[ "$(http_code "http://127.0.0.1:$lp/master/state")" == 200 ]]; }
if wait_for 40 leader_ready; then
  LP=$(leader_port)
  pass "three masters (quorum 2): exactly one has master/elected=1 (port $LP)"
  all_recovered() { local p; for p in "${MPORTS[@]}"; do [[ "$(metric "$p" registrar/log/recovered)" == 1 ]] || return 1; done; }
  check "three masters: replicated log initialized on all (registrar/log/recovered=1, ensemble_size=3)" \
    eval 'wait_for 15 all_recovered && [[ "$(metric $LP registrar/log/ensemble_size)" == 3 ]]'
  ok=1
  for p in "${MPORTS[@]}"; do
    c=$(http_code "http://127.0.0.1:$p/master/redirect"); l=$(http_location "http://127.0.0.1:$p/master/redirect")
    [[ "$c" == 307 && "$l" == "//127.0.0.1:$LP" ]] || { ok=0; echo "  redirect from $p: $c '$l'"; }
  done
  check "/master/redirect gives 307 Location //127.0.0.1:$LP from every master (leader included)" test $ok = 1
  check "/master/redirect/anything gives 404" test "$(http_code "http://127.0.0.1:$LP/master/redirect/anything")" = 404
  ok=1
  for p in "${MPORTS[@]}"; do
    [[ $p == "$LP" ]] && continue
    c=$(http_code "http://127.0.0.1:$p/master/state"); l=$(http_location "http://127.0.0.1:$p/master/state")
    [[ "$c" == 307 && "$l" == "//127.0.0.1:$LP/master/state" ]] || { ok=0; echo "  state from $p: $c '$l'"; }
  done
  check "/master/state on a non-leader gives 307 to the leader" test $ok = 1
  st=$(http_body "http://127.0.0.1:$LP/master/state")
  check "/master/state on the leader: 200 with leader=master@127.0.0.1:$LP" \
    test "$(echo "$st" | json_str leader)" = "master@127.0.0.1:$LP"
  check "/health and /master/health give 200 with an empty body on a non-leader" \
    eval '[[ "$(http_code http://127.0.0.1:$(( LP == 15050 ? 15051 : 15050 ))/master/health)" == 200 && -z "$(http_body http://127.0.0.1:$(( LP == 15050 ? 15051 : 15050 ))/health)" ]]'
else
  LP=""
  fail "three masters: no single leader with a readable /master/state within 40s"
fi

# ---------------------------------------------------------------- 4. agents register
APORTS=(15061 15062 15063)
declare -A APID
for i in 0 1 2; do
  start_agent "a$i" "${APORTS[$i]}"
  APID[${APORTS[$i]}]=$LAST_PID
done
activated() { [[ -n "$LP" && "$(http_body "http://127.0.0.1:$LP/master/state" | json_num activated_slaves)" == "$1" ]]; }
agent_id() { http_body "http://127.0.0.1:$1/state" | json_str id; }
all_agents_have_ids() { local p; for p in "${APORTS[@]}"; do [[ -n "$(agent_id "$p")" ]] || return 1; done; }
if wait_for 30 activated 3 && wait_for 10 all_agents_have_ids; then
  pass "three agents registered: activated_slaves=3 and every agent /state id is non-empty"
else
  fail "agents: activated_slaves=$(http_body "http://127.0.0.1:$LP/master/state" | json_num activated_slaves), ids: $(for p in "${APORTS[@]}"; do echo -n "'$(agent_id "$p")' "; done)"
fi
declare -A AID
for p in "${APORTS[@]}"; do AID[$p]=$(agent_id "$p"); done
check "agents log 'Registered with master master@127.0.0.1:$LP; given agent ID'" \
  eval 'grep -q "Registered with master master@127.0.0.1:$LP; given agent ID ${AID[15061]}" "$WORK/a0/out.log"'
check "agent /metrics/snapshot slave/registered=1" test "$(metric 15061 slave/registered)" = 1

# ---------------------------------------------------------------- 5. leader failover
if [[ -n "$LP" ]]; then
  OLD=$LP
  t_kill=$(date +%s)
  kill -9 "${MPID[$OLD]}"; wait "${MPID[$OLD]}" 2>/dev/null
  new_leader() { local lp; lp=$(leader_port) && [[ "$lp" != "$OLD" ]] && [[ "$(http_code "http://127.0.0.1:$lp/master/state")" == 200 ]]; }
  if wait_for 30 new_leader; then
    LP=$(leader_port); t_el=$(( $(date +%s) - t_kill ))
    if (( t_el <= 20 )); then pass "kill -9 leader: master on port $LP elected after ${t_el}s"; else fail "kill -9 leader: new leader only after ${t_el}s"; fi
    if wait_for 30 activated 3; then
      st=$(http_body "http://127.0.0.1:$LP/master/state"); ok=1
      for p in "${APORTS[@]}"; do [[ "$st" == *"\"id\":\"${AID[$p]}\""* ]] || ok=0; done
      check "after failover the new leader lists all three agents with unchanged ids (after $(( $(date +%s) - t_kill ))s)" test $ok = 1
      check "agents logged 'New master detected at master@127.0.0.1:$LP' and 'Re-registered'" \
        eval 'grep -q "New master detected at master@127.0.0.1:$LP" "$WORK/a1/out.log" && grep -q "Re-registered with master master@127.0.0.1:$LP" "$WORK/a1/out.log"'
    else
      fail "after failover: activated_slaves never returned to 3"
    fi
  else
    fail "kill -9 leader: no new leader within 30s"
  fi
fi

# ---------------------------------------------------------------- 6. agent restart keeps its id
P=15061
kill -TERM "${APID[$P]}"; wait "${APID[$P]}" 2>/dev/null
start_agent a0 "$P"; APID[$P]=$LAST_PID
same_id() { [[ "$(agent_id $P)" == "${AID[$P]}" ]] && grep -q "Re-registered with master" <(tail -n 40 "$WORK/a0/out.log"); }
check "restarted agent (same --work_dir) re-registers with the same id ${AID[$P]}" wait_for 20 same_id
check "work_dir/meta/slaves/latest points at the agent id" \
  test "$(basename "$(readlink "$WORK/a0/work/meta/slaves/latest")")" = "${AID[$P]}"
kill -TERM "${APID[$P]}"; wait "${APID[$P]}" 2>/dev/null
"$BIN/mesos-agent.sh" --master="$ZK/mesos" --ip=127.0.0.1 --hostname=127.0.0.1 --port=$P --work_dir="$WORK/a0/work" \
  --resources='cpus:8;mem:4096;disk:10000;ports:[31000-32000]' --attributes='rack:r1' >"$WORK/a0/reconf.log" 2>&1 &
RP=$!; PIDS+=("$RP")
wait_for 20 eval '! alive $RP'; wait "$RP"; rrc=$?
check "restart with changed resources under --reconfiguration_policy=equal is refused (exit $rrc)" \
  eval '[[ $rrc -eq 1 ]] && grep -q "rm -f $WORK/a0/work/meta/slaves/latest" "$WORK/a0/reconf.log"'

# ---------------------------------------------------------------- 7. the seed's command lines
mkdir -p "$WORK/seed"
(cd "$BIN" && exec ./mesos-master.sh --work_dir="$WORK/seed/sw/mesos" --logging_level=ERROR --log_dir="$WORK/seed/mesos/log" \
  --zk="$ZK/mesos-seed" --quorum=2 --cluster=test-mesos-cluster --ip=127.0.0.1 --hostname=127.0.0.1 --port=15060 \
  >"$WORK/seed/master.out" 2>&1) &
SM=$!; PIDS+=("$SM")
seed_state() { http_body "http://127.0.0.1:15060/master/state" | grep -q '"cluster":"test-mesos-cluster"'; }
check "seed master command line accepted (--logging_level=ERROR --log_dir --cluster=test-mesos-cluster shown in /state)" \
  eval 'wait_for 20 seed_state && ls "$WORK/seed/mesos/log"/mesos-master.*INFO* >/dev/null 2>&1'
(cd "$BIN" && exec ./mesos-slave.sh --master="$ZK/mesos" --work_dir="$WORK/seed/data01/mesos" --resources='cpus:40;mem:112640' \
  --logging_level=ERROR --no-systemd_enable_support --ip=127.0.0.1 --hostname=127.0.0.1 --port=15064 \
  >"$WORK/seed/agent.out" 2>&1) &
SA=$!; PIDS+=("$SA")
seed_agent() {
  local s; s=$(http_body "http://127.0.0.1:15064/state")
  [[ -n "$(echo "$s" | json_str id)" && "$s" == *'"cpus":40.0'* && "$s" == *'"mem":112640.0'* ]]
}
check "seed agent command line accepted (mesos-slave.sh, --resources='cpus:40;mem:112640', --no-systemd_enable_support): registered with cpus 40, mem 112640" \
  wait_for 20 seed_agent
check "--logging_level=ERROR keeps INFO lines out of the seed agent's output" \
  eval '! grep -q "^I" "$WORK/seed/agent.out"'

# ---------------------------------------------------------------- 8. maintenance
# Two agents on machines of their own (hostnames maint-a, maint-b, ip
# 127.0.0.1): every other agent here shares the machine 127.0.0.1 (127.0.0.1).
if [[ -n "$LP" ]]; then
  # Three masters again (the failover above killed one), so that the leader
  # can be killed once more and a quorum remains.
  for p in "${MPORTS[@]}"; do
    alive "${MPID[$p]}" && continue
    for i in 0 1 2; do [[ ${MPORTS[$i]} == "$p" ]] && start_master "m$i" "$p" /mesos && MPID[$p]=$LAST_PID; done
  done
  start_machine_agent() {
    local name="$1" port="$2"
    mkdir -p "$WORK/$name"
    "$BIN/mesos-agent.sh" --master="$ZK/mesos" --ip=127.0.0.1 --hostname="$name" --port="$port" \
      --work_dir="$WORK/$name/work" --resources='cpus:2;mem:1024' >>"$WORK/$name/out.log" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
  }
  post() { curl -s -m 5 -o "$WORK/resp" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d "$2" "http://127.0.0.1:$LP$1"; }
  # expect WHAT PATH BODY CODE [TEXT]: the reply's status, and its body exactly when TEXT is given.
  expect() {
    local what="$1" path="$2" body="$3" want="$4" code
    code=$(post "$path" "$body")
    if [[ "$code" == "$want" && ( $# -lt 5 || "$(cat "$WORK/resp")" == "$5" ) ]]; then pass "$what ($code)"
    else fail "$what: got $code '$(cat "$WORK/resp")', want $want${5:+ '$5'}"; fi
  }
  pyj() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
  state() { http_body "http://127.0.0.1:$LP/master/state"; }
  api() { curl -s -m 5 -X POST -H 'Content-Type: application/json' -d "$1" "http://127.0.0.1:$LP/api/v1"; }
  agent_of() { state | pyj "[a['id'] for a in d['slaves'] if a['hostname'] == '$1'][0]" 2>/dev/null; }
  NOW=$(( $(date +%s) * 1000000000 ))
  window() { echo "{\"machine_ids\":[$1],\"unavailability\":{\"start\":{\"nanoseconds\":$NOW},\"duration\":{\"nanoseconds\":${2:-3600000000000}}}}"; }
  MA='{"hostname":"maint-a","ip":"127.0.0.1"}'
  MB='{"hostname":"maint-b","ip":"127.0.0.1"}'

  start_machine_agent maint-a 15065; MAP=$LAST_PID
  start_machine_agent maint-b 15066; MBP=$LAST_PID
  registered() { [[ -n "$(agent_of "$1")" ]]; }
  check "agents on machines maint-a and maint-b registered" eval 'wait_for 30 registered maint-a && wait_for 10 registered maint-b'
  AA=$(agent_of maint-a); AB=$(agent_of maint-b)
  # The agent stopped in section 6 must count as disconnected before the
  # counts below are compared (5 s without a heartbeat).
  a0_inactive() { [[ "$(state | pyj "[a['active'] for a in d['slaves'] if a['port'] == 15061]")" != "[True]" ]]; }
  wait_for 15 a0_inactive
  base=$(state | json_num activated_slaves)

  check "GET /master/maintenance/schedule without a schedule: {}" test "$(http_body "http://127.0.0.1:$LP/master/maintenance/schedule")" = "{}"
  expect "schedule refused: empty window" /master/maintenance/schedule "{\"windows\":[$(window "")]}" 400 \
    "List of machines in the maintenance window is empty"
  expect "schedule refused: a machine twice" /master/maintenance/schedule "{\"windows\":[$(window "$MA"),$(window "$MA")]}" 400 \
    "Machine '{\"hostname\":\"maint-a\",\"ip\":\"127.0.0.1\"}' appears more than once in the schedule"
  expect "schedule refused: hostname and ip both empty" /master/maintenance/schedule "{\"windows\":[$(window '{"hostname":""}')]}" 400 \
    "Both 'hostname' and 'ip' for a machine are empty"
  expect "schedule refused: negative duration" /master/maintenance/schedule "{\"windows\":[$(window "$MA" -1)]}" 400 \
    "Unavailability 'duration' is negative"
  NL=$(( LP == 15050 ? 15051 : 15050 ))
  check "schedule POST on a non-leader: 307 to the leader" \
    test "$(curl -s -o /dev/null -m 3 -w '%{http_code} %{redirect_url}' -X POST -d '{}' "http://127.0.0.1:$NL/master/maintenance/schedule")" = "307 http://127.0.0.1:$LP/master/maintenance/schedule"
  expect "schedule maint-a: 200" /master/maintenance/schedule "{\"windows\":[$(window "$MA")]}" 200
  check "the schedule reads back with maint-a" test "$(http_body "http://127.0.0.1:$LP/master/maintenance/schedule" | pyj "d['windows'][0]['machine_ids']")" = "[{'hostname': 'maint-a', 'ip': '127.0.0.1'}]"
  check "maint-a is DRAINING at once (maintenance/status draining_machines)" \
    test "$(http_body "http://127.0.0.1:$LP/master/maintenance/status" | pyj "[m['id']['hostname'] for m in d.get('draining_machines', [])]")" = "['maint-a']"
  expect "machine/down refused for a machine not in the schedule" /master/machine/down "[$MB]" 400 \
    "Machine '{\"hostname\":\"maint-b\",\"ip\":\"127.0.0.1\"}' is not part of a maintenance schedule"
  expect "machine/up refused for a DRAINING machine" /master/machine/up "[$MA]" 400 \
    "Machine '{\"hostname\":\"maint-a\",\"ip\":\"127.0.0.1\"}' is not in DOWN mode and cannot be brought up"
  expect "DRAIN_AGENT refused for an agent of a scheduled machine" /api/v1 "{\"type\":\"DRAIN_AGENT\",\"drain_agent\":{\"agent_id\":{\"value\":\"$AA\"}}}" 400 \
    "Agent $AA is part of a maintenance schedule under Machine maint-a (127.0.0.1)"
  expect "machine/down maint-a: 200" /master/machine/down "[$MA]" 200
  check "the agent on maint-a exits 0, asked to shut down: Operator initiated 'Machine DOWN'" eval \
    'wait_for 10 eval "! alive $MAP"; wait $MAP; [[ $? -eq 0 ]] && grep -q "Agent asked to shut down by master@127.0.0.1:$LP because .Operator initiated .Machine DOWN.." "$WORK/maint-a/out.log"'
  check "maint-a's agent left /master/state: activated_slaves $base -> $((base - 1))" \
    eval '[[ "$(state | json_num activated_slaves)" == $((base - 1)) && -z "$(agent_of maint-a)" ]]'
  check "maintenance/status: maint-a in down_machines" \
    test "$(http_body "http://127.0.0.1:$LP/master/maintenance/status" | pyj "[m['hostname'] for m in d.get('down_machines', [])]")" = "['maint-a']"
  expect "a schedule without the DOWN machine is refused" /master/maintenance/schedule "{\"windows\":[$(window "$MB")]}" 400 \
    "Machine '{\"hostname\":\"maint-a\",\"ip\":\"127.0.0.1\"}' is deactivated and cannot be removed from the schedule"
  start_machine_agent maint-a 15065; MAP=$LAST_PID
  check "an agent restarted on the DOWN machine is refused: exits 0, 'Machine is \`DOWN\`'" eval \
    'wait_for 15 eval "! alive $MAP"; wait $MAP; [[ $? -eq 0 ]] && grep -q "because .Machine is \`DOWN\`." "$WORK/maint-a/out.log"'

  # A new leader keeps the schedule and the modes (the registry has them).
  OLD=$LP; kill -9 "${MPID[$OLD]}"; wait "${MPID[$OLD]}" 2>/dev/null
  new_leader() { local lp; lp=$(leader_port) && [[ "$lp" != "$OLD" ]] && [[ "$(http_code "http://127.0.0.1:$lp/master/maintenance/status")" == 200 ]]; }
  if wait_for 40 new_leader; then
    LP=$(leader_port)
    check "after failover the new leader ($LP) has the schedule and maint-a DOWN" eval \
      '[[ "$(http_body "http://127.0.0.1:$LP/master/maintenance/status" | pyj "[m[\"hostname\"] for m in d.get(\"down_machines\", [])]")" == "['"'"'maint-a'"'"']" && "$(http_body "http://127.0.0.1:$LP/master/maintenance/schedule")" == *maint-a* ]]'
  else
    fail "maintenance: no new leader within 40s after killing $OLD"
  fi
  for i in 0 1 2; do [[ ${MPORTS[$i]} == "$OLD" ]] && start_master "m$i" "$OLD" /mesos && MPID[$OLD]=$LAST_PID; done

  expect "machine/up maint-a: 200" /master/machine/up "[$MA]" 200
  check "machine/up removed maint-a from the schedule" test "$(http_body "http://127.0.0.1:$LP/master/maintenance/schedule")" = "{}"
  start_machine_agent maint-a 15065; MAP=$LAST_PID
  check "after machine/up the agent on maint-a re-registers with its id $AA" eval 'wait_for 30 eval "[[ \"\$(agent_of maint-a)\" == $AA ]]"'

  # v1 equivalents.
  expect "v1 UPDATE_MAINTENANCE_SCHEDULE without its field" /api/v1 '{"type":"UPDATE_MAINTENANCE_SCHEDULE"}' 400 \
    "Failed to validate master::Call: Expecting 'update_maintenance_schedule' to be present"
  expect "v1 UPDATE_MAINTENANCE_SCHEDULE maint-b" /api/v1 "{\"type\":\"UPDATE_MAINTENANCE_SCHEDULE\",\"update_maintenance_schedule\":{\"schedule\":{\"windows\":[$(window "$MB")]}}}" 200
  check "v1 GET_MAINTENANCE_SCHEDULE has maint-b" test "$(api '{"type":"GET_MAINTENANCE_SCHEDULE"}' | pyj "d['get_maintenance_schedule']['schedule']['windows'][0]['machine_ids'][0]['hostname']")" = maint-b
  check "v1 GET_MAINTENANCE_STATUS: maint-b draining" test "$(api '{"type":"GET_MAINTENANCE_STATUS"}' | pyj "d['get_maintenance_status']['status']['draining_machines'][0]['id']['hostname']")" = maint-b
  expect "v1 STOP_MAINTENANCE refused while DRAINING" /api/v1 "{\"type\":\"STOP_MAINTENANCE\",\"stop_maintenance\":{\"machines\":[$MB]}}" 400 \
    "Machine '{\"hostname\":\"maint-b\",\"ip\":\"127.0.0.1\"}' is not in DOWN mode and cannot be brought up"
  expect "v1 START_MAINTENANCE maint-b" /api/v1 "{\"type\":\"START_MAINTENANCE\",\"start_maintenance\":{\"machines\":[$MB]}}" 200
  check "the agent on maint-b exits 0 after START_MAINTENANCE" eval 'wait_for 10 eval "! alive $MBP"; wait $MBP; [[ $? -eq 0 ]]'
  expect "v1 STOP_MAINTENANCE maint-b" /api/v1 "{\"type\":\"STOP_MAINTENANCE\",\"stop_maintenance\":{\"machines\":[$MB]}}" 200
  check "v1 GET_MAINTENANCE_SCHEDULE empty again" test "$(api '{"type":"GET_MAINTENANCE_SCHEDULE"}' | pyj "d['get_maintenance_schedule']['schedule']")" = "{}"

  # Draining and deactivation (the agent on maint-a, no schedule any more).
  agents_json() { api '{"type":"GET_AGENTS"}'; }
  expect "v1 DRAIN_AGENT of an unknown agent" /api/v1 '{"type":"DRAIN_AGENT","drain_agent":{"agent_id":{"value":"no-such-agent"}}}' 400 "Unknown agent"
  expect "v1 REACTIVATE_AGENT of an active agent" /api/v1 "{\"type\":\"REACTIVATE_AGENT\",\"reactivate_agent\":{\"agent_id\":{\"value\":\"$AA\"}}}" 400 "Agent is not deactivated"
  base=$(state | json_num activated_slaves)
  expect "v1 DRAIN_AGENT maint-a's agent (max_grace_period 600 s)" /api/v1 "{\"type\":\"DRAIN_AGENT\",\"drain_agent\":{\"agent_id\":{\"value\":\"$AA\"},\"max_grace_period\":{\"seconds\":600}}}" 200
  check "GET_AGENTS: deactivated, drain_info DRAINED at once (no tasks), max_grace_period kept" test \
    "$(agents_json | pyj "[(a['active'], a['deactivated'], a['drain_info']['state'], a['drain_info']['config']['max_grace_period']['nanoseconds']) for a in d['get_agents']['agents'] if a['agent_info']['id']['value'] == '$AA']")" \
    = "[(False, True, 'DRAINED', 600000000000)]"
  check "/master/state: the drained agent counts in deactivated_slaves, not activated_slaves" eval \
    '[[ "$(state | pyj "(d[\"activated_slaves\"], d[\"deactivated_slaves\"], [(a[\"active\"], a[\"deactivated\"], a[\"drain_info\"][\"state\"]) for a in d[\"slaves\"] if a[\"id\"] == \"$AA\"])")" == "($((base - 1)), 1, [(False, True, '"'"'DRAINED'"'"')])" ]]'
  expect "v1 REACTIVATE_AGENT" /api/v1 "{\"type\":\"REACTIVATE_AGENT\",\"reactivate_agent\":{\"agent_id\":{\"value\":\"$AA\"}}}" 200
  check "after REACTIVATE_AGENT: active, no drain_info, activated_slaves $base" eval \
    '[[ "$(state | pyj "(d[\"activated_slaves\"], [(a[\"active\"], a[\"deactivated\"], \"drain_info\" in a) for a in d[\"slaves\"] if a[\"id\"] == \"$AA\"])")" == "($base, [(True, False, False)])" ]]'
  expect "v1 DEACTIVATE_AGENT" /api/v1 "{\"type\":\"DEACTIVATE_AGENT\",\"deactivate_agent\":{\"agent_id\":{\"value\":\"$AA\"}}}" 200
  check "after DEACTIVATE_AGENT: deactivated_slaves 1, no drain_info" test \
    "$(state | pyj "(d['deactivated_slaves'], [('drain_info' in a, a['deactivated']) for a in d['slaves'] if a['id'] == '$AA'])")" = "(1, [(False, True)])"
  expect "v1 REACTIVATE_AGENT after DEACTIVATE_AGENT" /api/v1 "{\"type\":\"REACTIVATE_AGENT\",\"reactivate_agent\":{\"agent_id\":{\"value\":\"$AA\"}}}" 200
  check "v1 on a non-leader: 307 to the leader" \
    test "$(curl -s -o /dev/null -m 3 -w '%{http_code} %{redirect_url}' -X POST -d '{"type":"GET_AGENTS"}' "http://127.0.0.1:$(( LP == 15050 ? 15051 : 15050 ))/api/v1")" = "307 http://127.0.0.1:$LP/api/v1"
fi

echo "mesos: $PASS passed, $FAIL failed"
[[ $FAIL -eq 0 ]]
