//! Subscribers to run events: progress, JSON lines, journal.
