#!/usr/bin/env bash
# The pre-1.0 name of the agent launcher; same daemon, same flags.
MESOS_DAEMON_KIND=agent MESOS_DAEMON_NAME=mesos-slave exec "$(dirname "${BASH_SOURCE[0]}")/launcher" "$@"
