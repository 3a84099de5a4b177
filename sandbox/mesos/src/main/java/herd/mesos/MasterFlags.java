package herd.mesos;

import static herd.mesos.Flags.Type.BOOL;
import static herd.mesos.Flags.Type.DOUBLE;
import static herd.mesos.Flags.Type.DURATION;
import static herd.mesos.Flags.Type.INT;
import static herd.mesos.Flags.Type.STRING;

/** The mesos-master flag set (docs/configuration/master.md) with 1.11 defaults. */
public final class MasterFlags {
    private MasterFlags() {}

    public static Flags create() {
        Flags f = new Flags("mesos-master");
        Common.logging(f);
        f.def("help", BOOL, "false", "Show the help message and exit.")
         .def("version", BOOL, "false", "Show version and exit.")
         .def("work_dir", STRING, null, "Path of the master work directory (replicated log registry).")
         .def("zk", STRING, null, "ZooKeeper URL: zk://host1:port1,host2:port2,.../path or file:///path")
         .def("quorum", INT, null, "The size of the quorum of replicas when using 'replicated_log' based registry.")
         .def("cluster", STRING, null, "Human readable name for the cluster, displayed in the webui.")
         .def("port", INT, "5050", "Port to listen on.")
         .def("ip", STRING, null, "IP address to listen on.")
         .def("ip_discovery_command", STRING, null, "Command whose output is the IP address to listen on.")
         .def("advertise_ip", STRING, null, "IP address advertised to reach this master.")
         .def("advertise_port", STRING, null, "Port advertised to reach this master.")
         .def("hostname", STRING, null, "The hostname the master should advertise in ZooKeeper.")
         .def("hostname_lookup", BOOL, "true", "Whether to look up the hostname from the IP.")
         .def("registry", STRING, "replicated_log", "Persistence strategy for the registry: replicated_log or in_memory.")
         .def("log_auto_initialize", BOOL, "true", "Whether to automatically initialize the replicated log.")
         .def("zk_session_timeout", DURATION, "10secs", "ZooKeeper session timeout.")
         .def("registry_fetch_timeout", DURATION, "1mins", "Duration of time to wait in order to fetch data from the registry.")
         .def("registry_store_timeout", DURATION, "20secs", "Duration of time to wait in order to store data in the registry.")
         .def("registry_strict", BOOL, "false", "Deprecated.")
         .def("registry_gc_interval", DURATION, "15mins", "How often to garbage collect the registry.")
         .def("registry_max_agent_age", DURATION, "2weeks", "Maximum length of time to store unreachable agents.")
         .def("registry_max_agent_count", INT, "102400", "Maximum number of unreachable agents to store.")
         .def("agent_reregister_timeout", DURATION, "10mins", "Timeout within which agents must re-register after failover.")
         .def("agent_ping_timeout", DURATION, "15secs", "Timeout for an agent to respond to a health check ping.")
         .def("max_agent_ping_timeouts", INT, "5", "Missed pings before an agent is considered unreachable.")
         .def("recovery_agent_removal_limit", STRING, "100%", "Limit on the agents removed after failover.")
         .def("agent_removal_rate_limit", STRING, null, "Maximum rate of agent removal, <N>/<Duration>.")
         .def("authenticate_agents", BOOL, "false", "")
         .def("authenticate_frameworks", BOOL, "false", "")
         .def("authenticate_http_frameworks", BOOL, "false", "")
         .def("authenticate_http_readonly", BOOL, "false", "")
         .def("authenticate_http_readwrite", BOOL, "false", "")
         .def("authenticators", STRING, "crammd5", "")
         .def("authorizers", STRING, "local", "")
         .def("http_authenticators", STRING, null, "")
         .def("http_framework_authenticators", STRING, null, "")
         .def("credentials", STRING, null, "")
         .def("acls", STRING, null, "")
         .def("allocation_interval", DURATION, "1secs", "")
         .def("allocator", STRING, "hierarchical", "")
         .def("min_allocatable_resources", STRING, "cpus:0.01|mem:32", "")
         .def("framework_sorter", STRING, "drf", "")
         .def("role_sorter", STRING, "drf", "")
         .def("fair_sharing_excluded_resource_names", STRING, null, "")
         .def("filter_gpu_resources", BOOL, "true", "")
         .def("firewall_rules", STRING, null, "")
         .def("hooks", STRING, null, "")
         .def("modules", STRING, null, "")
         .def("modules_dir", STRING, null, "")
         .def("master_contender", STRING, null, "")
         .def("master_detector", STRING, null, "")
         .def("max_completed_frameworks", INT, "50", "")
         .def("max_completed_tasks_per_framework", INT, "1000", "")
         .def("max_unreachable_tasks_per_framework", INT, "1000", "")
         .def("max_operator_event_stream_subscribers", INT, "1000", "")
         .def("memory_profiling", BOOL, "false", "")
         .def("offer_timeout", DURATION, null, "")
         .def("publish_per_framework_metrics", BOOL, "true", "")
         .def("require_agent_domain", BOOL, "false", "")
         .def("domain", STRING, null, "")
         .def("roles", STRING, null, "")
         .def("root_submissions", BOOL, "true", "")
         .def("weights", STRING, null, "")
         .def("whitelist", STRING, null, "")
         .def("webui_dir", STRING, "/usr/local/share/mesos/webui", "")
         .def("offer_constraints_re2_max_mem", INT, "4096", "")
         .def("offer_constraints_re2_max_program_size", INT, "100", "")
         .def("version_check", DOUBLE, null, "");
        return f;
    }
}
