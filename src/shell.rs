//! The one way herd turns a value into a POSIX shell word.
//!
//! Everything that reaches a remote shell (inventory values, paths, rendered
//! files, task records) goes through [`quote`]. A NUL byte cannot be part of
//! a shell word, an argument or a file name; the model readers refuse it in
//! every inventory and playbook value and the template engine refuses it in
//! what it renders, so `quote` only drops one that got past them instead of
//! letting it cut the word short.

/// `s` as one shell word: unchanged when it holds only characters no shell
/// treats specially, else single-quoted (a `'` inside becomes `'\''`).
pub fn quote(s: &str) -> String {
    let s = s.replace('\0', "");
    let safe = |c: char| c.is_ascii_alphanumeric() || "+-./:@]_".contains(c);
    if !s.is_empty() && s.chars().all(safe) {
        return s;
    }
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Fails the test unless `script` parses as POSIX sh (`sh -n`).
#[cfg(test)]
pub(crate) fn assert_parses(script: &str) {
    let out = std::process::Command::new("sh")
        .args(["-n", "-c", script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn words_survive_a_shell_round_trip() {
        for s in [
            "plain",
            "",
            "a b",
            "it's",
            "$(rm -rf /)",
            "`id`",
            "a\nb",
            "'\"\\",
            "-n",
            "*",
        ] {
            let words = shlex::split(&format!("echo {}", quote(s))).unwrap();
            assert_eq!(words, vec!["echo".to_string(), s.to_string()], "{s:?}");
        }
    }

    #[test]
    fn a_nul_byte_is_dropped_not_a_word_boundary() {
        assert_eq!(quote("a\0b"), "ab");
    }
}
