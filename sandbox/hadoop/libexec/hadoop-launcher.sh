#!/usr/bin/env bash
# Launcher core shared by bin/hdfs, bin/yarn, bin/mapred and bin/hadoop.
#
# The Apache launcher scripts are not published on Maven Central, so this
# file re-implements the parts of hadoop-functions.sh that operators and herd
# depend on, with the same variables, file names, messages and exit codes
# (see the spec, section 2). Names of the upstream functions are kept in the
# comments so differences can be checked line by line.
#
# Sourced by a bin/ script that has set HADOOP_SHELL_EXECNAME and defines
# launcher_subcommand (maps a sub-command to HADOOP_CLASSNAME and
# HADOOP_SUBCMD_SUPPORTDAEMONIZATION) and launcher_usage.
#
# Deliberately not `set -u`/`set -e`: hadoop-env.sh files written by operators
# reference unset variables and must be sourced as the real scripts do.

hadoop_error() {
  echo "$*" 1>&2
}

hadoop_debug() {
  if [[ -n "${HADOOP_SHELL_SCRIPT_DEBUG}" ]]; then
    echo "DEBUG: $*" 1>&2
  fi
}

hadoop_exit_with_usage() {
  launcher_usage
  exit "$1"
}

# hadoop_add_param: append only if the key is not already present, so values
# set by the operator (e.g. -Xmx in HDFS_NAMENODE_OPTS) win over defaults.
hadoop_add_param() {
  if [[ ! ${!1} =~ $2 ]]; then
    printf -v "$1" '%s' "${!1} $3"
    hadoop_debug "$1 accepted $3"
  else
    hadoop_debug "$1 declined $3"
  fi
}

hadoop_add_classpath() {
  if [[ -z "${CLASSPATH}" ]]; then
    CLASSPATH=$1
  elif [[ ":${CLASSPATH}:" != *":$1:"* ]]; then
    if [[ "$2" == before ]]; then
      CLASSPATH="$1:${CLASSPATH}"
    else
      CLASSPATH="${CLASSPATH}:$1"
    fi
  fi
}

hadoop_mkdir() {
  local dir=$1
  if [[ ! -w "${dir}" ]] && [[ ! -d "${dir}" ]]; then
    hadoop_error "WARNING: ${dir} does not exist. Creating."
    if ! mkdir -p "${dir}"; then
      hadoop_error "ERROR: Unable to create ${dir}. Aborting."
      exit 1
    fi
  fi
}

hadoop_verify_piddir() {
  if [[ -z "${HADOOP_PID_DIR}" ]]; then
    hadoop_error "No pid directory defined."
    exit 1
  fi
  hadoop_mkdir "${HADOOP_PID_DIR}"
  if ! touch "${HADOOP_PID_DIR}/$$" >/dev/null 2>&1; then
    hadoop_error "ERROR: Unable to write in ${HADOOP_PID_DIR}. Aborting."
    exit 1
  fi
  rm "${HADOOP_PID_DIR}/$$" >/dev/null 2>&1
}

hadoop_verify_logdir() {
  if [[ -z "${HADOOP_LOG_DIR}" ]]; then
    hadoop_error "No log directory defined."
    exit 1
  fi
  hadoop_mkdir "${HADOOP_LOG_DIR}"
  if ! touch "${HADOOP_LOG_DIR}/$$" >/dev/null 2>&1; then
    hadoop_error "ERROR: Unable to write in ${HADOOP_LOG_DIR}. Aborting."
    exit 1
  fi
  rm "${HADOOP_LOG_DIR}/$$" >/dev/null 2>&1
}

# hadoop_parse_args: the generic options that precede the sub-command.
hadoop_parse_args() {
  HADOOP_DAEMON_MODE="default"
  HADOOP_PARSE_COUNTER=0
  while true; do
    case "$1" in
      --buildpaths)
        # Accepted for compatibility; there is no build tree to add.
        shift; ((HADOOP_PARSE_COUNTER += 1))
        ;;
      --config)
        shift
        if [[ -n "$1" ]] && [[ -d "$1" ]]; then
          HADOOP_CONF_DIR=$1
        else
          hadoop_error "ERROR: Cannot find configuration directory \"$1\""
          hadoop_exit_with_usage 1
        fi
        shift; ((HADOOP_PARSE_COUNTER += 2))
        ;;
      --daemon)
        shift
        HADOOP_DAEMON_MODE=$1
        shift
        if [[ -z "${HADOOP_DAEMON_MODE}" ||
          ! "${HADOOP_DAEMON_MODE}" =~ ^st(art|op|atus)$ ]]; then
          hadoop_error "ERROR: --daemon must be followed by either \"start\", \"stop\", or \"status\"."
          hadoop_exit_with_usage 1
        fi
        ((HADOOP_PARSE_COUNTER += 2))
        ;;
      --debug)
        shift
        HADOOP_SHELL_SCRIPT_DEBUG=true
        ((HADOOP_PARSE_COUNTER += 1))
        ;;
      --help | -help | -h | help | --h | --\? | -\? | \?)
        hadoop_exit_with_usage 0
        ;;
      --hostnames | --hosts | --workers)
        hadoop_error "ERROR: $1 is not supported by this launcher; run the command on each host."
        exit 1
        ;;
      --loglevel)
        shift
        HADOOP_LOGLEVEL="$1"
        shift; ((HADOOP_PARSE_COUNTER += 2))
        ;;
      --reexec)
        shift
        if [[ "${HADOOP_REEXECED_CMD}" == true ]]; then
          hadoop_error "ERROR: re-exec fork bomb prevention: --reexec already called"
          exit 1
        fi
        HADOOP_REEXECED_CMD=true
        ((HADOOP_PARSE_COUNTER += 1))
        ;;
      --*)
        hadoop_error "ERROR: Unknown option $1"
        hadoop_exit_with_usage 1
        ;;
      *)
        break
        ;;
    esac
  done
}

# hadoop_bootstrap + hadoop_exec_hadoopenv + hadoop_basic_init.
hadoop_init() {
  local bin
  bin="$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")" >/dev/null && pwd -P)"
  export HADOOP_LIBEXEC_DIR="${bin}"
  HADOOP_HOME="${HADOOP_HOME:-$(cd -P -- "${bin}/.." && pwd -P)}"
  HADOOP_CONF_DIR="${HADOOP_CONF_DIR:-${HADOOP_HOME}/etc/hadoop}"
  HADOOP_COMMON_HOME="${HADOOP_COMMON_HOME:-${HADOOP_HOME}}"
  HADOOP_HDFS_HOME="${HADOOP_HDFS_HOME:-${HADOOP_HOME}}"
  HADOOP_YARN_HOME="${HADOOP_YARN_HOME:-${HADOOP_HOME}}"
  HADOOP_MAPRED_HOME="${HADOOP_MAPRED_HOME:-${HADOOP_HOME}}"
  # Set here, not inherited: only --reexec on the command line marks a run
  # as the re-executed one.
  HADOOP_REEXECED_CMD=false
  export HADOOP_HOME HADOOP_CONF_DIR HADOOP_COMMON_HOME HADOOP_HDFS_HOME \
    HADOOP_YARN_HOME HADOOP_MAPRED_HOME
}

hadoop_exec_envfiles() {
  if [[ -z "${HADOOP_ENV_PROCESSED}" ]] && [[ -f "${HADOOP_CONF_DIR}/hadoop-env.sh" ]]; then
    export HADOOP_ENV_PROCESSED=true
    # shellcheck disable=SC1091
    . "${HADOOP_CONF_DIR}/hadoop-env.sh"
  fi
  case "${HADOOP_SHELL_EXECNAME}" in
    yarn)
      # shellcheck disable=SC1091
      [[ -f "${HADOOP_CONF_DIR}/yarn-env.sh" ]] && . "${HADOOP_CONF_DIR}/yarn-env.sh"
      hadoop_deprecate_envvar YARN_CONF_DIR HADOOP_CONF_DIR
      hadoop_deprecate_envvar YARN_LOG_DIR HADOOP_LOG_DIR
      hadoop_deprecate_envvar YARN_PID_DIR HADOOP_PID_DIR
      hadoop_deprecate_envvar YARN_IDENT_STRING HADOOP_IDENT_STRING
      hadoop_deprecate_envvar YARN_NICENESS HADOOP_NICENESS
      hadoop_deprecate_envvar YARN_STOP_TIMEOUT HADOOP_STOP_TIMEOUT
      hadoop_deprecate_envvar YARN_ROOT_LOGGER HADOOP_ROOT_LOGGER
      ;;
    mapred)
      # shellcheck disable=SC1091
      [[ -f "${HADOOP_CONF_DIR}/mapred-env.sh" ]] && . "${HADOOP_CONF_DIR}/mapred-env.sh"
      hadoop_deprecate_envvar HADOOP_MAPRED_LOG_DIR HADOOP_LOG_DIR
      hadoop_deprecate_envvar HADOOP_MAPRED_PID_DIR HADOOP_PID_DIR
      hadoop_deprecate_envvar HADOOP_MAPRED_IDENT_STRING HADOOP_IDENT_STRING
      hadoop_deprecate_envvar HADOOP_MAPRED_ROOT_LOGGER HADOOP_ROOT_LOGGER
      ;;
    hdfs)
      hadoop_deprecate_envvar HADOOP_HDFS_LOG_DIR HADOOP_LOG_DIR
      hadoop_deprecate_envvar HADOOP_HDFS_PID_DIR HADOOP_PID_DIR
      hadoop_deprecate_envvar HADOOP_HDFS_IDENT_STRING HADOOP_IDENT_STRING
      ;;
  esac
}

hadoop_deprecate_envvar() {
  local oldvar=$1 newvar=$2
  if [[ -n "${!oldvar}" ]]; then
    hadoop_error "WARNING: ${oldvar} has been replaced by ${newvar}. Using value of ${oldvar}."
    printf -v "${newvar}" '%s' "${!oldvar}"
    export "${newvar?}"
  fi
}

hadoop_basic_init() {
  USER=${USER:-$(id -nu)}
  HADOOP_IDENT_STRING=${HADOOP_IDENT_STRING:-$USER}
  HADOOP_LOG_DIR=${HADOOP_LOG_DIR:-"${HADOOP_HOME}/logs"}
  HADOOP_LOGFILE=${HADOOP_LOGFILE:-hadoop.log}
  HADOOP_LOGLEVEL=${HADOOP_LOGLEVEL:-INFO}
  HADOOP_NICENESS=${HADOOP_NICENESS:-0}
  HADOOP_STOP_TIMEOUT=${HADOOP_STOP_TIMEOUT:-5}
  HADOOP_PID_DIR=${HADOOP_PID_DIR:-/tmp}
  HADOOP_DAEMON_ROOT_LOGGER=${HADOOP_DAEMON_ROOT_LOGGER:-${HADOOP_LOGLEVEL},RFA}
  HADOOP_SECURITY_LOGGER=${HADOOP_SECURITY_LOGGER:-INFO,NullAppender}
  HADOOP_POLICYFILE=${HADOOP_POLICYFILE:-hadoop-policy.xml}
  HADOOP_OPTS=${HADOOP_OPTS:-"-Djava.net.preferIPv4Stack=true"}
}

hadoop_java_setup() {
  if [[ -z "${JAVA_HOME}" ]]; then
    hadoop_error "ERROR: JAVA_HOME is not set and could not be found."
    exit 1
  fi
  if [[ ! -d "${JAVA_HOME}" ]]; then
    hadoop_error "ERROR: JAVA_HOME ${JAVA_HOME} does not exist."
    exit 1
  fi
  JAVA="${JAVA_HOME}/bin/java"
  if [[ ! -x "$JAVA" ]]; then
    hadoop_error "ERROR: $JAVA is not executable."
    exit 1
  fi
}

# hadoop_abs: absolute path of a file, its directory's symlinks resolved.
hadoop_abs() {
  local obj=$1 dir fn=""
  [[ -e "${obj}" ]] || return 1
  if [[ -d "${obj}" ]]; then
    dir=${obj}
  else
    dir=$(dirname -- "${obj}")
    fn="/$(basename -- "${obj}")"
  fi
  dir=$(cd -P -- "${dir}" >/dev/null 2>&1 && pwd -P) || return 1
  echo "${dir}${fn}"
}

hadoop_build_custom_subcmd_var() {
  local program=$1 command=$2 custom=$3
  local uprogram=${program^^} ucommand=${command^^}
  echo "${uprogram}_${ucommand}_${custom}"
}

# The user handling of operations.md section 13.1, as hadoop-functions.sh
# (Hadoop 3.4+, HDFS-15353) does it. Privilege means EUID 0; the user a
# command runs as is $USER, the variable, not the euid.
hadoop_privilege_check() {
  [[ "${EUID}" == 0 ]]
}

# Takes the NAME of a variable holding a user name.
hadoop_verify_user_resolves() {
  local userstr=$1
  if [[ -z ${userstr} || -z ${!userstr} ]]; then
    return 1
  fi
  id -u "${!userstr}" >/dev/null 2>&1
}

# Root switches to the user with plain `sudo -u USER --`: no login shell is
# run, so an account with /usr/sbin/nologin works, and sudo's env_reset
# drops the caller's environment (HADOOP_CONF_DIR, JAVA_HOME, the _USER
# variable itself ...): the re-executed launcher sees only what sudo keeps
# and what hadoop-env.sh sets.
hadoop_sudo() {
  local user=$1
  shift
  if hadoop_privilege_check; then
    if hadoop_verify_user_resolves user; then
      sudo -u "${user}" -- "$@"
    else
      hadoop_error "ERROR: Refusing to run as root: ${user} account is not found. Aborting."
      return 1
    fi
  else
    "$@"
  fi
}

hadoop_uservar_su() {
  local program=$1 command=$2
  shift 2
  local uvar svar
  if hadoop_privilege_check; then
    uvar=$(hadoop_build_custom_subcmd_var "${program}" "${command}" USER)
    svar=$(hadoop_build_custom_subcmd_var "${program}" "${command}" SECURE_USER)
    if [[ -n "${!uvar}" ]]; then
      hadoop_sudo "${!uvar}" "$@"
    elif [[ -n "${!svar}" ]]; then
      # SECURE_USER without USER: already privileged, run as is.
      "$@"
    else
      hadoop_error "ERROR: Attempting to operate on ${program} ${command} as root"
      hadoop_error "ERROR: but there is no ${uvar} defined. Aborting operation."
      return 1
    fi
  else
    "$@"
  fi
}

# 0: root runs a command whose <PROG>_<SUBCMD>_USER names someone else than
# $USER, and this is not already the re-executed run.
hadoop_need_reexec() {
  local program=$1 command=$2 uvar
  [[ "${HADOOP_REEXECED_CMD}" == true ]] && return 1
  [[ ${command} =~ \. ]] && return 1
  if hadoop_privilege_check; then
    uvar=$(hadoop_build_custom_subcmd_var "${program}" "${command}" USER)
    if [[ -n ${!uvar} ]] && [[ ${!uvar} != "${USER}" ]]; then
      return 0
    fi
  fi
  return 1
}

# Anyone else (or root with $USER already the named user) is refused when
# the variable names another user: a guard against accidents, not security.
hadoop_verify_user_perm() {
  local program=$1 command=$2 uvar
  [[ ${command} =~ \. ]] && return 1
  uvar=$(hadoop_build_custom_subcmd_var "${program}" "${command}" USER)
  if [[ -n ${!uvar} ]] && [[ ${!uvar} != "${USER}" ]]; then
    hadoop_error "ERROR: ${command} can only be executed by ${!uvar}."
    exit 1
  fi
  return 0
}

# hadoop_subcommand_opts: HDFS_NAMENODE_OPTS, YARN_RESOURCEMANAGER_OPTS, ...
hadoop_subcommand_opts() {
  local uvar
  # `hadoop CLASSNAME`: no variable is named after a class (Apache's guard).
  [[ ${HADOOP_SUBCMD} =~ \. ]] && return 1
  uvar="$(hadoop_build_custom_subcmd_var "${HADOOP_SHELL_EXECNAME}" "${HADOOP_SUBCMD}" OPTS)"
  if [[ -n "${!uvar}" ]]; then
    hadoop_debug "Appending ${uvar} onto HADOOP_OPTS"
    HADOOP_OPTS="${HADOOP_OPTS} ${!uvar}"
  fi
}

hadoop_add_client_opts() {
  if [[ "${HADOOP_SUBCMD_SUPPORTDAEMONIZATION}" == false ||
    -z "${HADOOP_SUBCMD_SUPPORTDAEMONIZATION}" ]]; then
    HADOOP_OPTS="${HADOOP_OPTS} ${HADOOP_CLIENT_OPTS}"
  fi
}

# The classpath of the Apache tarball: configuration first, then each
# project's third-party jars and its own jars.
hadoop_finalize_classpath() {
  local saved="${CLASSPATH}"
  CLASSPATH=""
  hadoop_add_classpath "${HADOOP_CONF_DIR}"
  local d
  for d in common hdfs mapreduce yarn; do
    # The web UIs are looked up as webapps/<name> on the classpath.
    if [[ -d "${HADOOP_HOME}/share/hadoop/${d}/webapps" ]]; then
      hadoop_add_classpath "${HADOOP_HOME}/share/hadoop/${d}"
    fi
    if [[ -d "${HADOOP_HOME}/share/hadoop/${d}/lib" ]]; then
      hadoop_add_classpath "${HADOOP_HOME}/share/hadoop/${d}/lib/*"
    fi
    hadoop_add_classpath "${HADOOP_HOME}/share/hadoop/${d}/*"
  done
  if [[ -n "${HADOOP_CLASSPATH}" ]]; then
    if [[ -n "${HADOOP_USER_CLASSPATH_FIRST}" ]]; then
      CLASSPATH="${HADOOP_CLASSPATH}:${CLASSPATH}"
    else
      CLASSPATH="${CLASSPATH}:${HADOOP_CLASSPATH}"
    fi
  fi
  [[ -n "${saved}" ]] && hadoop_debug "ignoring inherited CLASSPATH ${saved}"
}

hadoop_finalize_hadoop_heap() {
  if [[ -n "${HADOOP_HEAPSIZE_MAX}" ]]; then
    if [[ "${HADOOP_HEAPSIZE_MAX}" =~ ^[0-9]+$ ]]; then
      HADOOP_HEAPSIZE_MAX="${HADOOP_HEAPSIZE_MAX}m"
    fi
    hadoop_add_param HADOOP_OPTS Xmx "-Xmx${HADOOP_HEAPSIZE_MAX}"
  fi
  if [[ -n "${HADOOP_HEAPSIZE_MIN}" ]]; then
    if [[ "${HADOOP_HEAPSIZE_MIN}" =~ ^[0-9]+$ ]]; then
      HADOOP_HEAPSIZE_MIN="${HADOOP_HEAPSIZE_MIN}m"
    fi
    hadoop_add_param HADOOP_OPTS Xms "-Xms${HADOOP_HEAPSIZE_MIN}"
  fi
}

hadoop_finalize_hadoop_opts() {
  hadoop_add_param HADOOP_OPTS hadoop.log.dir "-Dhadoop.log.dir=${HADOOP_LOG_DIR}"
  hadoop_add_param HADOOP_OPTS hadoop.log.file "-Dhadoop.log.file=${HADOOP_LOGFILE}"
  hadoop_add_param HADOOP_OPTS hadoop.home.dir "-Dhadoop.home.dir=${HADOOP_HOME}"
  hadoop_add_param HADOOP_OPTS hadoop.id.str "-Dhadoop.id.str=${HADOOP_IDENT_STRING}"
  hadoop_add_param HADOOP_OPTS hadoop.root.logger "-Dhadoop.root.logger=${HADOOP_ROOT_LOGGER}"
  hadoop_add_param HADOOP_OPTS hadoop.policy.file "-Dhadoop.policy.file=${HADOOP_POLICYFILE}"
  hadoop_add_param HADOOP_OPTS hadoop.security.logger "-Dhadoop.security.logger=${HADOOP_SECURITY_LOGGER}"
}

# hadoop_finalize_jpms_opts (HADOOP-19219, HADOOP-19310): the module opens
# Hadoop needs on Java 17. Without them the ResourceManager dies in Guice's
# cglib at start, and other daemons fail later with InaccessibleObjectException.
hadoop_finalize_jpms_opts() {
  local p
  hadoop_add_param HADOOP_OPTS IgnoreUnrecognizedVMOptions "-XX:+IgnoreUnrecognizedVMOptions"
  for p in java.io java.lang java.lang.reflect java.math java.net java.text \
    java.util java.util.concurrent java.util.zip sun.security.util sun.security.x509; do
    hadoop_add_param HADOOP_OPTS "java.base/${p}=" "--add-opens=java.base/${p}=ALL-UNNAMED"
  done
}

hadoop_finalize() {
  hadoop_finalize_classpath
  hadoop_finalize_hadoop_heap
  hadoop_finalize_hadoop_opts
  hadoop_finalize_jpms_opts
}

hadoop_rotate_log() {
  local log=$1
  local num=${2:-5}
  local prev
  if [[ -f "${log}" ]]; then
    while [[ ${num} -gt 1 ]]; do
      prev=$((num - 1))
      if [[ -f "${log}.${prev}" ]]; then
        mv "${log}.${prev}" "${log}.${num}"
      fi
      num=${prev}
    done
    mv "${log}" "${log}.${num}"
  fi
}

# Exit codes as upstream: 0 running (and really this daemon: -Dproc_<name> on
# its command line), 1 pid file but no such daemon, 3 no pid file. Silent.
hadoop_status_daemon() {
  local pidfile=$1
  local pid pspid
  if [[ -f "${pidfile}" ]]; then
    pid=$(cat "${pidfile}")
    if pspid=$(ps -o args= -p"${pid}" 2>/dev/null); then
      if [[ ${pspid} =~ -Dproc_${daemonname} ]]; then
        return 0
      fi
    fi
    return 1
  fi
  return 3
}

# Test knob, not upstream: reproduce hadoop-functions.sh's pid-file race on
# demand. The parent writes $! at once and the child's `echo $$` (the
# launcher's own pid, as upstream: $$ in a background child is the parent's)
# lands two seconds later, so the pid file ends naming a dead process while
# the daemon runs, as it does upstream when the child is slow.
pid_race() {
  [[ -n "${HERD_SANDBOX_PID_RACE:-}" || -e /etc/herd-sandbox/pid-race ]]
}

# Foreground start: the shell's own pid goes into the pid file, then exec.
hadoop_start_daemon() {
  local command=$1 class=$2 pidfile=$3
  shift 3
  if pid_race; then sleep 2; fi
  hadoop_debug "Final CLASSPATH: ${CLASSPATH}"
  hadoop_debug "Final HADOOP_OPTS: ${HADOOP_OPTS}"
  if ! echo $$ >"${pidfile}" 2>/dev/null; then
    hadoop_error "ERROR:  Cannot write ${command} pid ${pidfile}."
  fi
  export CLASSPATH
  # shellcheck disable=SC2086
  exec "${JAVA}" "-Dproc_${command}" ${HADOOP_OPTS} "${class}" "$@"
}

hadoop_start_daemon_wrapper() {
  local daemonname=$1 class=$2 pidfile=$3 outfile=$4
  shift 4
  local counter

  hadoop_rotate_log "${outfile}"

  hadoop_start_daemon "${daemonname}" "$class" "${pidfile}" "$@" >>"${outfile}" 2>&1 </dev/null &

  # The child writes its own pid first; wait for that before overwriting it
  # with $! so the two writes cannot race.
  ((counter = 0))
  while [[ ! -f ${pidfile} && ${counter} -le 5 ]] && ! pid_race; do
    sleep 1
    ((counter++))
  done

  if ! echo $! >"${pidfile}" 2>/dev/null; then
    hadoop_error "ERROR:  Cannot write ${daemonname} pid ${pidfile}."
  fi
  if ! renice "${HADOOP_NICENESS}" $! >/dev/null 2>&1; then
    hadoop_error "ERROR: Cannot set priority of ${daemonname} process $!"
  fi
  if ! disown %+ >/dev/null 2>&1; then
    hadoop_error "ERROR: Cannot disconnect ${daemonname} process $!"
  fi
  sleep 1

  ulimit -a >>"${outfile}" 2>&1

  if ! ps -p $! >/dev/null 2>&1; then
    return 1
  fi
  return 0
}

wait_process_to_die_or_timeout() {
  local pid=$1 timeout=$2 i
  timeout=$(printf "%.0f\n" "${timeout}")
  if [[ ${timeout} -lt 1 ]]; then
    timeout=1
  fi
  for ((i = 0; i < timeout; i++)); do
    if kill -0 "${pid}" >/dev/null 2>&1; then
      sleep 1
    else
      break
    fi
  done
}

hadoop_stop_daemon() {
  local cmd=$1 pidfile=$2
  local pid cur_pid
  if [[ -f "${pidfile}" ]]; then
    pid=$(cat "$pidfile")
    kill "${pid}" >/dev/null 2>&1
    wait_process_to_die_or_timeout "${pid}" "${HADOOP_STOP_TIMEOUT}"
    if kill -0 "${pid}" >/dev/null 2>&1; then
      hadoop_error "WARNING: ${cmd} did not stop gracefully after ${HADOOP_STOP_TIMEOUT} seconds: Trying to kill with kill -9"
      kill -9 "${pid}" >/dev/null 2>&1
    fi
    wait_process_to_die_or_timeout "${pid}" "${HADOOP_STOP_TIMEOUT}"
    if ps -p "${pid}" >/dev/null 2>&1; then
      hadoop_error "ERROR: Unable to kill ${pid}"
    else
      cur_pid=$(cat "$pidfile")
      if [[ "${pid}" == "${cur_pid}" ]]; then
        rm -f "${pidfile}" >/dev/null 2>&1
      else
        hadoop_error "WARNING: pid has changed for ${cmd}, skip deleting pid file"
      fi
    fi
  fi
}

hadoop_daemon_handler() {
  local daemonmode=$1 daemonname=$2 class=$3 daemon_pidfile=$4 daemon_outfile=$5
  shift 5
  case ${daemonmode} in
    status)
      hadoop_status_daemon "${daemon_pidfile}"
      exit $?
      ;;
    stop)
      hadoop_stop_daemon "${daemonname}" "${daemon_pidfile}"
      exit $?
      ;;
    start | default)
      hadoop_verify_piddir
      hadoop_verify_logdir
      if hadoop_status_daemon "${daemon_pidfile}"; then
        hadoop_error "${daemonname} is running as process $(cat "${daemon_pidfile}").  Stop it first."
        exit 1
      else
        rm -f "${daemon_pidfile}" >/dev/null 2>&1
      fi
      # Without --daemon the daemon runs in the foreground (for supervisors,
      # and for one-shot uses such as namenode -format).
      if [[ "$daemonmode" == "default" ]]; then
        hadoop_start_daemon "${daemonname}" "${class}" "${daemon_pidfile}" "$@"
      else
        hadoop_start_daemon_wrapper "${daemonname}" "${class}" "${daemon_pidfile}" "${daemon_outfile}" "$@"
      fi
      ;;
  esac
}

hadoop_java_exec() {
  local command=$1 class=$2
  shift 2
  hadoop_debug "Final CLASSPATH: ${CLASSPATH}"
  hadoop_debug "Final HADOOP_OPTS: ${HADOOP_OPTS}"
  export CLASSPATH
  # shellcheck disable=SC2086
  exec "${JAVA}" "-Dproc_${command}" ${HADOOP_OPTS} "${class}" "$@"
}

# Upstream logs every foreground command at INFO on the console (stderr).
# Pure client tools here default to WARN so that scripted callers get a
# quiet stderr; one-shot daemon commands (namenode -format, zkfc -formatZK,
# namenode -bootstrapStandby) keep INFO so their progress stays visible.
# Stdout carries only the tools' own output either way.
hadoop_default_root_logger() {
  if [[ -z "${HADOOP_ROOT_LOGGER}" ]]; then
    if [[ "${HADOOP_SUBCMD_SUPPORTDAEMONIZATION}" == true ]]; then
      HADOOP_ROOT_LOGGER="${HADOOP_LOGLEVEL},console"
    elif [[ -n "${HADOOP_LOGLEVEL_GIVEN}" ]]; then
      HADOOP_ROOT_LOGGER="${HADOOP_LOGLEVEL},console"
    else
      HADOOP_ROOT_LOGGER="WARN,console"
    fi
  fi
}

# hadoop-config.sh, the prologue of bin/hdfs (yarn, mapred, hadoop) and
# hadoop_generic_java_subcmd_handler, in upstream's order: options, env
# files, Java, basic init, the re-exec as <PROG>_<SUBCMD>_USER, the user
# check, then the sub-command.
launcher_main() {
  hadoop_init
  MYNAME=$(hadoop_abs "$0")
  HADOOP_USER_PARAMS=("$@")
  HADOOP_LOGLEVEL_GIVEN=""
  hadoop_parse_args "$@"
  shift "${HADOOP_PARSE_COUNTER}"
  [[ -n "${HADOOP_LOGLEVEL}" ]] && HADOOP_LOGLEVEL_GIVEN=yes

  hadoop_exec_envfiles
  hadoop_java_setup
  hadoop_basic_init

  if [[ $# -eq 0 ]]; then
    hadoop_exit_with_usage 1
  fi
  HADOOP_SUBCMD=$1
  shift
  HADOOP_SUBCMD_ARGS=("$@")

  if hadoop_need_reexec "${HADOOP_SHELL_EXECNAME}" "${HADOOP_SUBCMD}"; then
    hadoop_uservar_su "${HADOOP_SHELL_EXECNAME}" "${HADOOP_SUBCMD}" \
      "${MYNAME}" --reexec "${HADOOP_USER_PARAMS[@]}"
    exit $?
  fi
  hadoop_verify_user_perm "${HADOOP_SHELL_EXECNAME}" "${HADOOP_SUBCMD}"

  HADOOP_CLASSNAME=""
  HADOOP_SUBCMD_SUPPORTDAEMONIZATION=false
  launcher_subcommand "${HADOOP_SUBCMD}"
  if [[ -z "${HADOOP_CLASSNAME}" ]]; then
    # Upstream treats an unknown word with a dot in it as a class name.
    if [[ "${HADOOP_SUBCMD}" == *.* ]]; then
      HADOOP_CLASSNAME="${HADOOP_SUBCMD}"
    else
      hadoop_exit_with_usage 1
    fi
  fi

  hadoop_subcommand_opts
  hadoop_add_client_opts

  local daemon_outfile daemon_pidfile
  if [[ "${HADOOP_SUBCMD_SUPPORTDAEMONIZATION}" == true ]]; then
    daemon_outfile="${HADOOP_LOG_DIR}/hadoop-${HADOOP_IDENT_STRING}-${HADOOP_SUBCMD}-${HOSTNAME}.out"
    daemon_pidfile="${HADOOP_PID_DIR}/hadoop-${HADOOP_IDENT_STRING}-${HADOOP_SUBCMD}.pid"
  fi
  if [[ "${HADOOP_DAEMON_MODE}" != "default" ]]; then
    HADOOP_ROOT_LOGGER="${HADOOP_DAEMON_ROOT_LOGGER}"
    HADOOP_LOGFILE="hadoop-${HADOOP_IDENT_STRING}-${HADOOP_SUBCMD}-${HOSTNAME}.log"
  fi
  hadoop_default_root_logger

  if declare -F launcher_extra_opts >/dev/null; then
    launcher_extra_opts
  fi
  hadoop_finalize

  if [[ "${HADOOP_SUBCMD_SUPPORTDAEMONIZATION}" == true ]]; then
    hadoop_daemon_handler "${HADOOP_DAEMON_MODE}" "${HADOOP_SUBCMD}" "${HADOOP_CLASSNAME}" \
      "${daemon_pidfile}" "${daemon_outfile}" "${HADOOP_SUBCMD_ARGS[@]}"
    exit $?
  else
    hadoop_java_exec "${HADOOP_SUBCMD}" "${HADOOP_CLASSNAME}" "${HADOOP_SUBCMD_ARGS[@]}"
  fi
}

# Sub-commands every launcher shares.
launcher_common_subcommand() {
  case "$1" in
    classpath)
      hadoop_finalize_classpath
      echo "${CLASSPATH}"
      exit 0
      ;;
    envvars)
      echo "JAVA_HOME='${JAVA_HOME}'"
      echo "HADOOP_COMMON_HOME='${HADOOP_COMMON_HOME}'"
      echo "HADOOP_COMMON_DIR='share/hadoop/common'"
      echo "HADOOP_COMMON_LIB_JARS_DIR='share/hadoop/common/lib'"
      echo "HADOOP_CONF_DIR='${HADOOP_CONF_DIR}'"
      echo "HADOOP_TOOLS_HOME='${HADOOP_HOME}'"
      echo "HADOOP_TOOLS_DIR='share/hadoop/tools'"
      echo "HADOOP_TOOLS_LIB_JARS_DIR='share/hadoop/tools/lib'"
      exit 0
      ;;
    version)
      HADOOP_CLASSNAME=org.apache.hadoop.util.VersionInfo
      ;;
  esac
}
