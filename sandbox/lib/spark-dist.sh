#!/usr/bin/env bash
# The Spark tarball herd distributes, spark-<v>-bin-hadoop3.tgz: Apache's
# layout, jars from Maven Central, Apache's launcher scripts from PyPI's
# pyspark sdist, our smoke job. Sourced after dist.sh (mvn_resolve,
# stamp_matches, BUILD_DIR); kept apart from it because dist.sh is an input
# of the Hadoop and ZooKeeper stamps, which a Spark change must not void.

# Spark's own launcher scripts are in no Maven artifact; PyPI's pyspark
# sdist carries bin/ and sbin/ of the same release, byte for byte (its
# setup.py copies them from the source tree). Prints the sdist's path.
pyspark_sdist() {
  local v="$1" dir="${CACHE_DIR}/pypi"
  local sdist="${dir}/pyspark-${v}.tar.gz"
  if [[ ! -f "${sdist}" ]]; then
    mkdir -p "${dir}"
    log "downloading the pyspark ${v} sdist (Spark's bin/ and sbin/ scripts)"
    # Into a scratch dir first: an interrupted download leaves no sdist
    # that a later build would take for whole.
    local tmp
    tmp="$(mktemp -d "${dir}/download.XXXXXX")"
    python3 -m pip download -q --no-deps --no-binary :all: -d "${tmp}" "pyspark==${v}" \
      >"${dir}/pyspark-${v}.log" 2>&1 || {
      rm -rf "${tmp}"
      tail -n 20 "${dir}/pyspark-${v}.log" >&2
      die "pip could not download pyspark==${v} (log: ${dir}/pyspark-${v}.log)"
    }
    [[ -f "${tmp}/pyspark-${v}.tar.gz" ]] || die "pip download did not write pyspark-${v}.tar.gz"
    mv "${tmp}/pyspark-${v}.tar.gz" "${sdist}"
    rm -rf "${tmp}"
  fi
  echo "${sdist}"
}

# Apache's launchers from the pyspark sdist. spark-shell, spark-sql, pyspark
# and run-example are left out: their classes (repl, hive-thriftserver,
# examples) are not in this jars/.
SPARK_BIN_SCRIPTS=(spark-class spark-submit load-spark-env.sh find-spark-home)
SPARK_SBIN_SCRIPTS=(spark-config.sh spark-daemon.sh start-history-server.sh stop-history-server.sh)

build_spark_dist() {
  local v="${SPARK_VERSION}" hash
  hash="$(inputs_hash "${SANDBOX_DIR}/spark" "${v}" "${BASH_SOURCE[0]}")"
  if stamp_matches "${SPARK_TARBALL}" "${hash}"; then
    echo reused
    return 0
  fi
  log "assembling spark-${v}-bin-hadoop3 from Maven Central jars"
  local work="${BUILD_DIR}/spark-mvn" stage="${BUILD_DIR}/spark-stage" sdist
  sdist="$(pyspark_sdist "${v}")"
  mvn_resolve "${SANDBOX_DIR}/spark" "${work}" "-Dspark.version=${v}"

  rm -rf "${stage}"
  local name="spark-${v}-bin-hadoop3"
  local top="${stage}/${name}" scripts="${stage}/scripts" s
  mkdir -p "${top}/bin" "${top}/sbin" "${top}/jars" "${top}/conf" "${top}/examples/jars" "${scripts}"
  local -a members=()
  for s in "${SPARK_BIN_SCRIPTS[@]}"; do members+=("pyspark-${v}/deps/bin/${s}"); done
  for s in "${SPARK_SBIN_SCRIPTS[@]}"; do members+=("pyspark-${v}/deps/sbin/${s}"); done
  tar -C "${scripts}" --strip-components=2 -xzf "${sdist}" "${members[@]}" ||
    die "${sdist} lacks Spark's launcher scripts (${members[*]})"
  cp -a "${scripts}/bin/." "${top}/bin/"
  cp -a "${scripts}/sbin/." "${top}/sbin/"
  chmod 755 "${top}"/bin/* "${top}"/sbin/*
  cp "${work}/target/jars/"*.jar "${top}/jars/"

  # RELEASE as make-distribution.sh writes it; the Hadoop version is the
  # one of the shaded client in jars/.
  local core="${top}/jars/spark-core_2.12-${v}.jar" hadoop_jar hadoop_v
  [[ -f "${core}" ]] || die "maven resolved no spark-core_2.12-${v}.jar"
  hadoop_jar="$(find "${top}/jars" -name 'hadoop-client-api-*.jar' -printf '%f\n')"
  hadoop_v="${hadoop_jar#hadoop-client-api-}"
  hadoop_v="${hadoop_v%.jar}"
  [[ -n "${hadoop_v}" ]] || die "no hadoop-client-api jar in ${top}/jars"
  printf 'Spark %s built for Hadoop %s\nBuild flags: -Phadoop-3 -Pyarn\n' "${v}" "${hadoop_v}" >"${top}/RELEASE"

  # LICENSE and NOTICE are spark-core's; conf/log4j2.properties.template is
  # the profile Spark falls back to without conf/log4j2.properties.
  unzip -q -p "${core}" META-INF/LICENSE >"${top}/LICENSE"
  unzip -q -p "${core}" META-INF/NOTICE >"${top}/NOTICE"
  unzip -q -p "${core}" org/apache/spark/log4j2-defaults.properties >"${top}/conf/log4j2.properties.template"
  cp "${SANDBOX_DIR}/spark/conf/"*.template "${top}/conf/"

  # The smoke job, compiled against this very jars/.
  local classes="${stage}/smoke-classes"
  mkdir -p "${classes}"
  javac --release 17 -nowarn -cp "${top}/jars/*" -d "${classes}" \
    "${SANDBOX_DIR}/spark/smoke/"*.java >"${stage}/javac.log" 2>&1 || {
    cat "${stage}/javac.log" >&2
    die "javac failed on sandbox/spark/smoke"
  }
  jar --create --file "${top}/examples/jars/herd-smoke.jar" -C "${classes}" .

  mkdir -p "${DIST_DIR}"
  tar -C "${stage}" --owner=0 --group=0 --numeric-owner -czf "${SPARK_TARBALL}.tmp" "${name}"
  mv "${SPARK_TARBALL}.tmp" "${SPARK_TARBALL}"
  echo "${hash}" >"${SPARK_TARBALL}.inputs"
  rm -rf "${stage}"
  echo built
}
