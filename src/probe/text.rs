//! How a reading words what it saw: one short line, without the host name
//! the reading is already filed under.

/// First line of `text`, trimmed and shortened, for readings.
pub(crate) fn short(text: &str) -> String {
    let first = text.trim().lines().next().unwrap_or("").trim();
    if first.chars().count() > 120 {
        first.chars().take(117).collect::<String>() + "..."
    } else {
        first.to_string()
    }
}

/// Transport errors start with the host name; readings are already per host.
pub(crate) fn strip_host(msg: &str, host: &str) -> String {
    msg.strip_prefix(&format!("{host}: "))
        .unwrap_or(msg)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::{short, strip_host};

    #[test]
    fn only_the_own_host_prefix_goes() {
        assert_eq!(
            strip_host("m1: connection lost: eof", "m1"),
            "connection lost: eof"
        );
        assert_eq!(
            strip_host("m2: connection lost", "m1"),
            "m2: connection lost"
        );
    }

    #[test]
    fn short_keeps_one_line_of_at_most_120_characters() {
        assert_eq!(short("  first\nsecond"), "first");
        let long = "x".repeat(200);
        assert_eq!(short(&long).chars().count(), 120);
        assert!(short(&long).ends_with("..."));
    }
}
