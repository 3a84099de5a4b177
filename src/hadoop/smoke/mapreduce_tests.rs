use super::*;
use serde_json::json;

/// `hadoop --loglevel INFO org.apache.hadoop.mapreduce.SleepJob -m 1 -r 1
/// -mt 1 -rt 1` on the sandbox (Hadoop 3.5.0), as printed.
const SUCCEEDED: &str = "\
2026-12-01 22:46:48,835 INFO mapreduce.JobResourceUploader: Disabling Erasure Coding for path: /tmp/hadoop-yarn/staging/mapred/.staging/job_1796164595739_0004
2026-12-01 22:46:50,652 INFO mapreduce.JobSubmitter: number of splits:1
2026-12-01 22:46:51,544 INFO mapreduce.JobSubmitter: Submitting tokens for job: job_1796164595739_0004
2026-12-01 22:46:52,467 INFO impl.YarnClientImpl: Submitted application application_1796164595739_0004
2026-12-01 22:46:52,562 INFO mapreduce.Job: The url to track the job: http://master1:8088/proxy/application_1796164595739_0004/
2026-12-01 22:46:52,563 INFO mapreduce.Job: Running job: job_1796164595739_0004
2026-12-01 22:47:07,226 INFO mapreduce.Job: Job job_1796164595739_0004 running in uber mode : false
2026-12-01 22:47:07,231 INFO mapreduce.Job:  map 0% reduce 0%
2026-12-01 22:47:16,575 INFO mapreduce.Job:  map 100% reduce 0%
2026-12-01 22:47:28,895 INFO mapreduce.Job:  map 100% reduce 100%
2026-12-01 22:47:29,939 INFO mapreduce.Job: Job job_1796164595739_0004 completed successfully
2026-12-01 22:47:30,145 INFO mapreduce.Job: Counters: 54
\tJob Counters 
\t\tLaunched map tasks=1
";

#[test]
fn a_succeeded_job_is_read_from_the_clients_lines() {
    assert_eq!(
        parse_client(SUCCEEDED),
        JobReport {
            application: Some("application_1796164595739_0004".into()),
            job: Some("job_1796164595739_0004".into()),
            state: Some("SUCCEEDED".into()),
            why: None,
        }
    );
}

#[test]
fn a_failed_or_unfinished_job_keeps_its_ids_and_says_why() {
    let failed = "\
2026-12-01 22:46:52,467 INFO impl.YarnClientImpl: Submitted application application_17_0002
2026-12-01 22:46:52,563 INFO mapreduce.Job: Running job: job_17_0002
2026-12-01 22:47:29,939 INFO mapreduce.Job: Job job_17_0002 failed with state FAILED due to: Application application_17_0002 failed 2 times due to AM Container for appattempt_17_0002_000002 exited with  exitCode: -104
";
    let r = parse_client(failed);
    assert_eq!(r.state.as_deref(), Some("FAILED"));
    assert_eq!(r.job.as_deref(), Some("job_17_0002"));
    assert!(r.why.unwrap().ends_with("exitCode: -104"));

    // Killed by the time limit while ACCEPTED: only the submission shows;
    // the job id follows from the application's.
    let waiting = "2026-12-01 22:46:52,467 INFO impl.YarnClientImpl: Submitted application application_17_0003\n";
    let r = parse_client(waiting);
    assert_eq!(r.job.as_deref(), Some("job_17_0003"));
    assert_eq!(r.state, None);

    let refused = "2026-12-01 22:46:50,001 INFO client.ConfiguredRMFailoverProxyProvider: Failing over to rm2\njava.net.ConnectException: Call From master3/172.30.0.13 to master1:8032 failed on connection exception\n\tat org.apache.hadoop.ipc.Client.call(Client.java:1)\n";
    assert_eq!(parse_client(refused), JobReport::default());
    assert_eq!(
        client_error(refused).as_deref(),
        Some(
            "java.net.ConnectException: Call From master3/172.30.0.13 to master1:8032 failed on connection exception"
        )
    );
    assert_eq!(
        client_error("no hadoop-mapreduce-client-jobclient-*-tests.jar in /opt/hadoop/share/hadoop/mapreduce: the Apache binary tarball ships it there\n").as_deref(),
        Some("no hadoop-mapreduce-client-jobclient-*-tests.jar in /opt/hadoop/share/hadoop/mapreduce: the Apache binary tarball ships it there")
    );
}

#[test]
fn metrics_count_the_active_nodemanagers_and_name_the_other_states() {
    let v = json!({"clusterMetrics": {"activeNodes": 0, "lostNodes": 0, "unhealthyNodes": 0, "shutdownNodes": 3, "decommissionedNodes": 0, "totalNodes": 3}});
    assert_eq!(
        parse_metrics(&v),
        Some(Nodes {
            active: 0,
            others: vec![("shutdownNodes".into(), 3)]
        })
    );
    assert_eq!(parse_metrics(&json!({"clusterMetrics": {}})), None);
}

#[test]
fn the_application_view_names_the_am_host() {
    let v = json!({"app": {"id": "application_1_4", "state": "FINISHED", "finalStatus": "FAILED",
        "diagnostics": "Task failed task_1_4_m_000000", "amHostHttpAddress": "worker3:8042"}});
    assert_eq!(
        parse_app(&v),
        Some(AppView {
            state: "FINISHED".into(),
            final_status: "FAILED".into(),
            diagnostics: "Task failed task_1_4_m_000000".into(),
            am_host: Some("worker3".into()),
        })
    );
    let accepted = json!({"app": {"state": "ACCEPTED", "finalStatus": "UNDEFINED", "diagnostics": "", "amHostHttpAddress": ""}});
    assert_eq!(parse_app(&accepted).unwrap().am_host, None);
}
