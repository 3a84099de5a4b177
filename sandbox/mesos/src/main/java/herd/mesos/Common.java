package herd.mesos;

import static herd.mesos.Flags.Type.BOOL;
import static herd.mesos.Flags.Type.INT;
import static herd.mesos.Flags.Type.STRING;

import java.util.Map;

/** Pieces shared by both daemons: logging flags and the start-up sequence of main.cpp. */
public final class Common {
    public static final String VERSION = "1.11.0";
    public static final double BUILD_TIME = 1605000000.0;

    private Common() {}

    static void logging(Flags f) {
        f.def("logging_level", STRING, "INFO", "Log message at or above this level: INFO, WARNING, ERROR.")
         .def("log_dir", STRING, null, "Location to put log files. By default, nothing is written to disk.")
         .def("quiet", BOOL, "false", "Disable logging to stderr.")
         .def("logbufsecs", INT, "0", "Maximum number of seconds that logs may be buffered for.")
         .def("external_log_file", STRING, null, "Location of the externally managed log file.")
         .def("initialize_driver_logging", BOOL, "true", "");
    }

    /** Loads flags; on error prints stout's text plus the help pointer and exits 1, as main.cpp does. */
    static Flags load(Flags f, String[] argv, String name) {
        try {
            f.load(System.getenv(), argv);
        } catch (IllegalArgumentException e) {
            if (has(argv, "--help")) { System.out.println(f.usage()); System.exit(0); }
            System.err.println(e.getMessage() + "\n\nSee `" + name + " --help` for a list of supported flags.");
            System.exit(1);
        }
        if (f.bool("help")) { System.out.println(f.usage()); System.exit(0); }
        if (f.bool("version")) { System.out.println("mesos " + VERSION); System.exit(0); }
        String level = f.get("logging_level");
        if (!Log.validLevel(level)) {
            System.err.println("'" + level + "' is not a valid value for --logging_level. Possible values: INFO, WARNING, ERROR");
            System.exit(1);
        }
        Log.init(name, level, f.get("log_dir"));
        Log.info("main.cpp:0", "Build: 2020-11-10 12:00:00 by mesos");
        Log.info("main.cpp:0", "Version: " + VERSION);
        Log.info("main.cpp:0", "Git tag: " + VERSION);
        return f;
    }

    private static boolean has(String[] argv, String a) {
        for (String s : argv) if (s.equals(a)) return true;
        return false;
    }

    static double now() { return System.currentTimeMillis() / 1000.0; }

    static Map<String, Object> versionJson() {
        return Json.obj("build_date", "2020-11-10 12:00:00", "build_time", BUILD_TIME, "build_user", "mesos",
                "git_sha", "1fedcd3e4a9a6ec2c7e18e7bc5e2d1a1ee9cf0c9", "git_tag", VERSION, "version", VERSION);
    }
}
