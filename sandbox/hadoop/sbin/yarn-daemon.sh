#!/usr/bin/env bash
# Deprecated 2.x entry point kept by Hadoop 3.x: it forwards to
# "bin/yarn --daemon" exactly as upstream does, with the same warnings.

if [[ $# -lt 2 ]]; then
  echo "Usage: yarn-daemon.sh [--config confdir] (start|stop|status) <hadoop-command> <args...>"
  exit 1
fi
bin="$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")" >/dev/null && pwd -P)"
config=()
if [[ "$1" == --config ]]; then
  config=(--config "$2")
  shift 2
fi
daemonmode=$1
shift
echo "WARNING: Use of this script to ${daemonmode} YARN daemons is deprecated." 1>&2
echo "WARNING: Attempting to execute replacement \"yarn --daemon ${daemonmode}\" instead." 1>&2
exec "${bin}/../bin/yarn" "${config[@]}" --daemon "${daemonmode}" "$@"
