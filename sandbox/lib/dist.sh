#!/usr/bin/env bash
# The software tarballs herd distributes: Hadoop and ZooKeeper assembled from
# Maven Central jars in the layout of the Apache binary tarballs, and the
# Mesos stand-in built by sandbox/mesos/build.sh. Each tarball carries a
# stamp with the hash of its inputs and is rebuilt only when they change.

BUILD_DIR="${CACHE_DIR}/build"

mvn_resolve() {
  local pom_dir="$1" work="$2"
  shift 2
  rm -rf "${work}"
  mkdir -p "${work}"
  cp "${pom_dir}/pom.xml" "${work}/pom.xml"
  (cd "${work}" && mvn -B -q -Dmaven.repo.local="${M2_REPO}" "$@" package) \
    >"${work}.log" 2>&1 || {
    tail -n 20 "${work}.log" >&2
    die "maven could not resolve the jars for ${pom_dir} (log: ${work}.log)"
  }
}

stamp_matches() {
  [[ -f "$1" && -f "$1.inputs" && "$(cat "$1.inputs")" == "$2" ]]
}

# build_hadoop_dist [VERSION TARBALL]: HADOOP_VERSION into HADOOP_TARBALL
# by default; each tarball has its own stamp, so each is reused on its own.
# Prints "reused" or "built".
build_hadoop_dist() {
  local v="${1:-${HADOOP_VERSION}}" tarball="${2:-${HADOOP_TARBALL}}" hash
  hash="$(inputs_hash "${SANDBOX_DIR}/hadoop" "${v}" "${BASH_SOURCE[0]}")"
  if stamp_matches "${tarball}" "${hash}"; then
    echo reused
    return 0
  fi
  log "assembling hadoop-${v} from Maven Central jars"
  local work="${BUILD_DIR}/hadoop-${v}-mvn" stage="${BUILD_DIR}/hadoop-${v}-stage"
  mvn_resolve "${SANDBOX_DIR}/hadoop" "${work}" "-Dhadoop.version=${v}"

  rm -rf "${stage}"
  local top="${stage}/hadoop-${v}" share
  share="${top}/share/hadoop"
  mkdir -p "${top}/bin" "${top}/sbin" "${top}/libexec" "${top}/etc" "${top}/lib/native" \
    "${share}/common/lib" "${share}/hdfs/lib" "${share}/yarn/lib" "${share}/mapreduce"
  cp -a "${SANDBOX_DIR}/hadoop/bin/." "${top}/bin/"
  cp -a "${SANDBOX_DIR}/hadoop/sbin/." "${top}/sbin/"
  cp -a "${SANDBOX_DIR}/hadoop/libexec/." "${top}/libexec/"
  cp -a "${SANDBOX_DIR}/hadoop/etc/." "${top}/etc/"
  chmod 755 "${top}"/bin/* "${top}"/sbin/* "${top}"/libexec/*

  local jar name
  for jar in "${work}/target/jars/hadoop/"*.jar; do
    name="$(basename "${jar}")"
    case "${name}" in
      hadoop-hdfs*) cp "${jar}" "${share}/hdfs/" ;;
      hadoop-yarn*) cp "${jar}" "${share}/yarn/" ;;
      hadoop-mapreduce*) cp "${jar}" "${share}/mapreduce/" ;;
      hadoop-common-* | hadoop-registry-* | hadoop-kms-* | hadoop-nfs-*) cp "${jar}" "${share}/common/" ;;
      *) cp "${jar}" "${share}/common/lib/" ;;
    esac
  done
  cp "${work}/target/jars/lib/"*.jar "${share}/common/lib/"
  cp -a "${work}/target/jars/hdfs/webapps" "${share}/hdfs/"

  mkdir -p "${DIST_DIR}"
  tar -C "${stage}" --owner=0 --group=0 --numeric-owner -czf "${tarball}.tmp" "hadoop-${v}"
  mv "${tarball}.tmp" "${tarball}"
  echo "${hash}" >"${tarball}.inputs"
  rm -rf "${stage}"
  echo built
}

# build_zk_dist [VERSION TARBALL]: ZK_VERSION into ZK_TARBALL by default.
build_zk_dist() {
  local v="${1:-${ZK_VERSION}}" tarball="${2:-${ZK_TARBALL}}" hash debian_bin=/usr/share/zookeeper/bin
  hash="$(inputs_hash "${SANDBOX_DIR}/zookeeper" "${v}" "${BASH_SOURCE[0]}" \
    "${debian_bin}/zkServer.sh" "${debian_bin}/zkCli.sh")"
  if stamp_matches "${tarball}" "${hash}"; then
    echo reused
    return 0
  fi
  log "assembling apache-zookeeper-${v}-bin from Maven Central jars"
  local work="${BUILD_DIR}/zookeeper-${v}-mvn" stage="${BUILD_DIR}/zookeeper-${v}-stage"
  mvn_resolve "${SANDBOX_DIR}/zookeeper" "${work}" "-Dzookeeper.version=${v}"

  rm -rf "${stage}"
  local top="${stage}/apache-zookeeper-${v}-bin"
  mkdir -p "${top}/bin" "${top}/conf" "${top}/lib"
  # zkServer.sh and zkCli.sh are Apache's own scripts as Debian ships them;
  # they source bin/zkEnv.sh, which is ours.
  cp "${debian_bin}/zkServer.sh" "${debian_bin}/zkCli.sh" "${top}/bin/"
  cp -a "${SANDBOX_DIR}/zookeeper/bin/." "${top}/bin/"
  cp -a "${SANDBOX_DIR}/zookeeper/conf/." "${top}/conf/"
  chmod 755 "${top}"/bin/*
  cp "${work}/target/jars/lib/"*.jar "${top}/lib/"

  mkdir -p "${DIST_DIR}"
  tar -C "${stage}" --owner=0 --group=0 --numeric-owner -czf "${tarball}.tmp" "apache-zookeeper-${v}-bin"
  mv "${tarball}.tmp" "${tarball}"
  echo "${hash}" >"${tarball}.inputs"
  rm -rf "${stage}"
  echo built
}

# The Mesos stand-in belongs to sandbox/mesos/; only its build is driven here.
build_mesos_dist() {
  local script="${SANDBOX_DIR}/mesos/build.sh" hash
  if [[ ! -f "${script}" ]]; then
    log "WARNING: ${script} not present; no Mesos tarball"
    echo absent
    return 0
  fi
  hash="$(inputs_hash "${SANDBOX_DIR}/mesos")"
  if stamp_matches "${MESOS_TARBALL}" "${hash}"; then
    echo reused
    return 0
  fi
  mkdir -p "${DIST_DIR}"
  bash "${script}" "${DIST_DIR}" >"${BUILD_DIR}/mesos-build.log" 2>&1 || {
    tail -n 20 "${BUILD_DIR}/mesos-build.log" >&2
    die "sandbox/mesos/build.sh failed (log: ${BUILD_DIR}/mesos-build.log)"
  }
  [[ -f "${MESOS_TARBALL}" ]] || die "sandbox/mesos/build.sh did not write ${MESOS_TARBALL}"
  echo "${hash}" >"${MESOS_TARBALL}.inputs"
  echo built
}
