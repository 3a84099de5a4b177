//! What one check leaves for a later one: the JobHistory check looks for
//! the MapReduce job the yarn check ran, and cleanups find what their
//! check started.

/// A MapReduce job a check submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapReduceJob {
    /// `application_<cluster>_<n>`, for YARN (and for killing it).
    pub application: Option<String>,
    /// `job_<cluster>_<n>`, for the JobHistory server.
    pub job: Option<String>,
    /// The host whose client submitted it.
    pub client: String,
    /// Its final state as the client reported it (`SUCCEEDED`, `FAILED`,
    /// `KILLED`); None while unknown.
    pub state: Option<String>,
}

/// Everything the checks of one run recorded, in the order they ran.
#[derive(Debug, Clone, Default)]
pub struct Findings {
    pub mapreduce: Option<MapReduceJob>,
    /// The YARN application of the spark check's job.
    pub spark_app: Option<String>,
}
