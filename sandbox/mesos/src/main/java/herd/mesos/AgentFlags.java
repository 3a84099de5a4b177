package herd.mesos;

import static herd.mesos.Flags.Type.BOOL;
import static herd.mesos.Flags.Type.DOUBLE;
import static herd.mesos.Flags.Type.DURATION;
import static herd.mesos.Flags.Type.INT;
import static herd.mesos.Flags.Type.STRING;

/** The mesos-agent flag set (docs/configuration/agent.md) with 1.11 defaults. */
public final class AgentFlags {
    private AgentFlags() {}

    public static Flags create(String program) {
        Flags f = new Flags(program);
        Common.logging(f);
        f.def("help", BOOL, "false", "Show the help message and exit.")
         .def("version", BOOL, "false", "Show version and exit.")
         .def("master", STRING, null, "May be one of: host:port, zk://host1:port1,host2:port2,.../path, file:///path/to/file")
         .def("master_detector", STRING, null, "")
         .required("work_dir", STRING, "Path of the agent work directory.")
         .def("runtime_dir", STRING, "/var/run/mesos", "")
         .def("resources", STRING, null, "Total consumable resources per agent.")
         .def("attributes", STRING, null, "Attributes of the agent machine, in the form: rack:2 or rack:2;u:1")
         .def("port", INT, "5051", "Port to listen on.")
         .def("ip", STRING, null, "IP address to listen on.")
         .def("ip_discovery_command", STRING, null, "")
         .def("advertise_ip", STRING, null, "")
         .def("advertise_port", STRING, null, "")
         .def("hostname", STRING, null, "The hostname the agent should report.")
         .def("hostname_lookup", BOOL, "true", "")
         .def("systemd_enable_support", BOOL, "true", "Top level control of systemd support.")
         .def("systemd_runtime_directory", STRING, "/run/systemd/system", "")
         .def("recover", STRING, "reconnect", "Whether to recover status updates and reconnect with old executors: reconnect or cleanup.")
         .def("recovery_timeout", DURATION, "15mins", "")
         .def("strict", BOOL, "true", "")
         .def("reconfiguration_policy", STRING, "equal", "equal or additive.")
         .def("containerizers", STRING, "mesos", "")
         .def("launcher", STRING, "posix", "")
         .def("launcher_dir", STRING, "/usr/local/libexec/mesos", "")
         .def("isolation", STRING, "posix/cpu,posix/mem", "")
         .def("executor_registration_timeout", DURATION, "1mins", "")
         .def("executor_reregistration_timeout", DURATION, "2secs", "")
         .def("executor_reregistration_retry_interval", DURATION, null, "")
         .def("executor_shutdown_grace_period", DURATION, "5secs", "")
         .def("default_role", STRING, "*", "")
         .def("gc_delay", DURATION, "1weeks", "")
         .def("gc_disk_headroom", DOUBLE, "0.1", "")
         .def("disk_watch_interval", DURATION, "1mins", "")
         .def("registration_backoff_factor", DURATION, "1secs", "")
         .def("authenticatee", STRING, "crammd5", "")
         .def("credential", STRING, null, "")
         .def("http_credentials", STRING, null, "")
         .def("authenticate_http_readonly", BOOL, "false", "")
         .def("authenticate_http_readwrite", BOOL, "false", "")
         .def("authenticate_http_executors", BOOL, "false", "")
         .def("cgroups_root", STRING, "mesos", "")
         .def("cgroups_hierarchy", STRING, "/sys/fs/cgroup", "")
         .def("cgroups_enable_cfs", BOOL, "false", "")
         .def("switch_user", BOOL, "true", "")
         .def("frameworks_home", STRING, null, "")
         .def("hadoop_home", STRING, null, "")
         .def("docker", STRING, "docker", "")
         .def("docker_registry", STRING, "https://registry-1.docker.io", "")
         .def("docker_store_dir", STRING, "/tmp/mesos/store/docker", "")
         .def("image_providers", STRING, null, "")
         .def("fetcher_cache_size", STRING, "2GB", "")
         .def("fetcher_cache_dir", STRING, "/tmp/mesos/fetch", "")
         .def("sandbox_directory", STRING, "/mnt/mesos/sandbox", "")
         .def("modules", STRING, null, "")
         .def("modules_dir", STRING, null, "")
         .def("hooks", STRING, null, "")
         .def("domain", STRING, null, "")
         .def("zk_session_timeout", DURATION, "10secs", "")
         .def("memory_profiling", BOOL, "false", "")
         .def("enforce_container_disk_quota", BOOL, "false", "")
         .def("enforce_container_ports", BOOL, "false", "");
        return f;
    }
}
