//! The jobhistory check: the yarn check's MapReduce job, looked up in the
//! JobHistory server's REST API (`/ws/v1/history/mapreduce/jobs/<id>`)
//! until it is there with its final state. A job the server has not seen
//! yet answers 404 (NotFoundException); the server reads a finished job's
//! history file from the intermediate done directory on such a lookup, so
//! the wait is short, but it is a wait: polled, never slept.

use std::time::Duration;

use super::check::{Check, Verdict};
use super::context::Smoke;
use super::deadline::{Attempt, Deadline, Polled};
use super::log_tail;

pub const CHECK: Check = Check {
    name: "jobhistory",
    needs: &["historyserver"],
    limit: Duration::from_secs(60),
    run: |s, d| Box::pin(run(s, d)),
    clean: |_, _| Box::pin(async { Ok(()) }),
};

/// What the server said of the job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Known, in this state (`SUCCEEDED`, `FAILED`, `KILLED`, ...).
    Found {
        state: String,
        maps: u64,
        reduces: u64,
    },
    /// Not (yet) known.
    NotFound,
    /// Anything else, in words.
    Other(String),
}

/// Reads an answer of `/ws/v1/history/mapreduce/jobs/<id>`.
pub fn parse_job(code: u16, body: Option<&serde_json::Value>) -> Lookup {
    let exception = body
        .and_then(|v| v.pointer("/RemoteException/exception"))
        .and_then(|e| e.as_str());
    match (code, body) {
        (200, Some(v)) => match v.pointer("/job/state").and_then(|s| s.as_str()) {
            Some(state) => {
                let n = |k: &str| {
                    v.pointer(&format!("/job/{k}"))
                        .and_then(|x| x.as_u64())
                        .unwrap_or(0)
                };
                Lookup::Found {
                    state: state.to_string(),
                    maps: n("mapsCompleted"),
                    reduces: n("reducesCompleted"),
                }
            }
            None => Lookup::Other("an answer without /job/state".into()),
        },
        (404, _) if exception.is_none_or(|e| e == "NotFoundException") => Lookup::NotFound,
        (code, _) => Lookup::Other(
            match body
                .and_then(|v| v.pointer("/RemoteException/message"))
                .and_then(|m| m.as_str())
            {
                Some(m) => format!("HTTP {code}: {m}"),
                None => format!("HTTP {code}"),
            },
        ),
    }
}

async fn run(s: &Smoke<'_>, d: &Deadline) -> Verdict {
    let job = s.findings().mapreduce.clone();
    let Some(job_id) = job
        .as_ref()
        .filter(|j| j.state.as_deref() == Some("SUCCEEDED"))
        .and_then(|j| j.job.clone())
    else {
        return Verdict::Skip(
            "no MapReduce job to look for: the yarn check ran none to the end".into(),
        );
    };
    let host = s.topo.hosts("historyserver")[0].clone();
    let port = match s.port(&host, "historyserver") {
        Ok(p) => p,
        Err(e) => return Verdict::fail(e),
    };
    let path = format!("/ws/v1/history/mapreduce/jobs/{job_id}");
    let found = d
        .poll(Duration::from_secs(1), || async {
            match s
                .remote
                .get_json(&host, port, &path, d, Duration::from_secs(10))
                .await
            {
                Err(e) => Attempt::Wait(e),
                Ok((code, body)) => match parse_job(code, body.as_ref()) {
                    Lookup::Found {
                        state,
                        maps,
                        reduces,
                    } => Attempt::Done((state, maps, reduces)),
                    Lookup::NotFound => Attempt::Wait(format!("{job_id} is not found (HTTP 404)")),
                    Lookup::Other(e) => Attempt::Wait(e),
                },
            }
        })
        .await;
    let why = match found {
        Ok((state, maps, reduces)) if state == "SUCCEEDED" => {
            return Verdict::Pass(format!(
                "{job_id} is in the JobHistory server on {host}:{port}, SUCCEEDED ({maps} map, {reduces} reduce completed)"
            ));
        }
        Ok((state, _, _)) => {
            format!("the JobHistory server on {host}:{port} has {job_id} as {state}, not SUCCEEDED")
        }
        Err(Polled::TimedOut(why)) => format!(
            "the JobHistory server on {host}:{port} did not show {job_id} within {}s: {why}",
            CHECK.limit.as_secs()
        ),
        Err(Polled::Failed(why)) => why,
    };
    Verdict::fail_with(
        why,
        log_tail::daemon(s, &host, "historyserver")
            .await
            .into_iter()
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_servers_answers_are_read() {
        // Hadoop 3.5.0's JobHistory server on the sandbox, word for word.
        let found: serde_json::Value = serde_json::from_str(r#"{"job":{"submitTime":1796165212273,"startTime":1796165225637,"finishTime":1796165247237,"id":"job_1796164595739_0004","name":"Sleep job","queue":"root.default","user":"mapred","state":"SUCCEEDED","mapsTotal":1,"mapsCompleted":1,"reducesTotal":1,"reducesCompleted":1,"uberized":false,"diagnostics":"","avgMapTime":6885,"avgReduceTime":124}}"#).unwrap();
        assert_eq!(
            parse_job(200, Some(&found)),
            Lookup::Found {
                state: "SUCCEEDED".into(),
                maps: 1,
                reduces: 1
            }
        );
        let missing: serde_json::Value = serde_json::from_str(r#"{"RemoteException":{"exception":"NotFoundException","message":"job, job_1796164595739_0999, is not found","javaClassName":"org.apache.hadoop.yarn.webapp.NotFoundException"}}"#).unwrap();
        assert_eq!(parse_job(404, Some(&missing)), Lookup::NotFound);
        assert_eq!(parse_job(404, None), Lookup::NotFound);
        let bad = json!({"RemoteException":{"exception":"BadRequestException","message":"java.lang.Exception: JobId string : job_x is not properly formed"}});
        assert_eq!(
            parse_job(400, Some(&bad)),
            Lookup::Other(
                "HTTP 400: java.lang.Exception: JobId string : job_x is not properly formed".into()
            )
        );
        assert_eq!(parse_job(500, None), Lookup::Other("HTTP 500".into()));
    }
}
