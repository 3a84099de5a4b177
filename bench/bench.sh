#!/usr/bin/env bash
# bench.sh [N ...]: start N sshd hosts on loopback (127.0.x.y, port 2222) and
# run the 10-stage workload (each stage `true` on every host, stage i+1 after
# stage i everywhere) with the release build of herd. Prints wall time, CPU
# time and peak RSS per run (3 runs per N; BENCH_RUNS to change). Default N: 50 200.
# BENCH_STEPS and BENCH_CMD change the workload: BENCH_STEPS=1 BENCH_CMD='head
# -c 200000000 /dev/zero' bench/bench.sh 5 is the controller's memory under a
# flood of output.
#
# For the comparison with Ansible, pyinfra, pdsh, ClusterShell, parallel-ssh and
# OpenSSH ControlMaster on the same fleet, see compare.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(50 200)
runs="${BENCH_RUNS:-3}"
steps="${BENCH_STEPS:-10}"
cmd="${BENCH_CMD:-true}"
port="${BENCH_PORT:-2222}"
max=0
for n in "${sizes[@]}"; do ((n > max)) && max=$n; done

command -v /usr/sbin/sshd >/dev/null || { echo "bench: /usr/sbin/sshd missing (apt-get install openssh-server)" >&2; exit 1; }
[[ -x /usr/bin/time ]] || apt-get install -y -qq time >/dev/null
(cd "$root" && cargo build --release --quiet)

state=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$state"
}
trap cleanup EXIT
mkdir -p /run/sshd "$state/home"
ssh-keygen -q -t ed25519 -N '' -f "$state/client" -C bench
ssh-keygen -q -t ed25519 -N '' -f "$state/hostkey" -C bench-host
cp "$state/client.pub" "$state/authorized_keys"
addr() { echo "127.0.$((1 + $1 / 245)).$((10 + $1 % 245))"; }
: >"$state/known_hosts"
: >"$state/hosts.txt"
hostkey="$(cut -d' ' -f1,2 "$state/hostkey.pub")"
# sshd accepts at most 16 ListenAddress lines: one daemon per 16 hosts.
for ((i = 0; i < max; i += 16)); do
  cfg="$state/sshd_$i.conf"
  {
    echo "Port $port"
    for ((j = i; j < i + 16 && j < max; j++)); do echo "ListenAddress $(addr "$j")"; done
    echo "HostKey $state/hostkey"
    echo "AuthorizedKeysFile $state/authorized_keys"
    echo "PermitRootLogin prohibit-password"
    echo "PasswordAuthentication no"
    echo "KbdInteractiveAuthentication no"
    echo "UsePAM no"
    echo "UseDNS no"
    echo "StrictModes no"
    echo "MaxStartups 2000"
    echo "PidFile $state/sshd_$i.pid"
    echo "SetEnv HOME=$state/home"
  } >"$cfg"
  /usr/sbin/sshd -D -f "$cfg" -E "$state/sshd_$i.log" &
  pids+=($!)
done
for ((j = 0; j < max; j++)); do
  a=$(addr "$j")
  echo "$a" >>"$state/hosts.txt"
  echo "[$a]:$port $hostkey" >>"$state/known_hosts"
done
for ((j = 0; j < max; j++)); do
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/$(addr "$j")/$port") 2>/dev/null && break
    sleep 0.1
  done
done

echo "herd $("$root/target/release/herd" --version | cut -d' ' -f2): $steps gated stages of \`$cmd\` on N loopback sshd hosts, $runs runs each"
printf '%6s %4s %9s %9s %12s\n' N run "wall s" "cpu s" "peak RSS MiB"
for n in "${sizes[@]}"; do
  head -n "$n" "$state/hosts.txt" >"$state/hosts_$n.txt"
  for ((r = 1; r <= runs; r++)); do
    /usr/bin/time -f '%e %U %S %M' -o "$state/time" \
      "$here/run-workload" "$state/hosts_$n.txt" "$port" "$state/client" "$state/known_hosts" "$steps" "$cmd"
    read -r wall user sys rss <"$state/time"
    awk -v n="$n" -v r="$r" -v w="$wall" -v u="$user" -v s="$sys" -v m="$rss" \
      'BEGIN { printf "%6s %4s %9s %9.2f %12.1f\n", n, r, w, u + s, m / 1024 }'
  done
done
