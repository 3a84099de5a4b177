#!/usr/bin/env bash
# The pre-1.0 name of the agent launcher; same daemon, same flags.
STANDIN_KIND=agent STANDIN_NAME=mesos-slave exec "$(dirname "${BASH_SOURCE[0]}")/launcher" "$@"
