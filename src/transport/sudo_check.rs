//! Whether sudo works on a host for the users a run becomes, asked once
//! before anything runs (and by `herd check`), and what sudo's refusal
//! means. The check runs exactly what a task runs (`/bin/sh -c` through
//! the same sudo flags), with `exit 0` for the command, so a rule that
//! lets one through lets the other.

use std::fmt;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::sudo::{PASSWORD_VAR, Sudo};
use super::{Connection, ExecRequest};

/// How long the check may take on a host (sudo may be slow to look a user
/// up over LDAP, but not this slow).
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(30);

/// What sudo said for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SudoVerdict {
    Ok,
    /// Without `--ask-become-pass`, sudo wanted a password.
    NeedsPassword,
    /// The sudoers policy does not let the login user run as that user.
    NotAllowed,
    /// The password given was refused.
    WrongPassword,
    NotInstalled,
    /// Anything else, in sudo's words.
    Failed(String),
}

impl SudoVerdict {
    pub fn is_ok(&self) -> bool {
        *self == SudoVerdict::Ok
    }

    /// The short word `herd check` shows.
    pub fn label(&self) -> &str {
        match self {
            SudoVerdict::Ok => "ok",
            SudoVerdict::NeedsPassword => "needs a password",
            SudoVerdict::NotAllowed => "not allowed",
            SudoVerdict::WrongPassword => "wrong password",
            SudoVerdict::NotInstalled => "not installed",
            SudoVerdict::Failed(_) => "failed",
        }
    }

    /// What to do about it, if herd can tell.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            SudoVerdict::NeedsPassword => Some("re-run with --ask-become-pass"),
            SudoVerdict::NotAllowed => Some(
                "give the login user a sudoers rule for that user (herd runs /bin/sh -c through sudo)",
            ),
            SudoVerdict::WrongPassword => Some("check the password given to --ask-become-pass"),
            SudoVerdict::NotInstalled => Some("install sudo on the host"),
            _ => None,
        }
    }
}

impl fmt::Display for SudoVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SudoVerdict::NotInstalled => f.write_str("sudo is not installed"),
            SudoVerdict::Failed(m) => f.write_str(m),
            other => f.write_str(other.label()),
        }
    }
}

/// One user's answer: the verdict and sudo's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SudoAnswer {
    pub user: String,
    pub verdict: SudoVerdict,
    /// What sudo printed (empty when it said nothing), on one line.
    pub message: String,
}

impl SudoAnswer {
    /// `needs a password (sudo: a password is required); re-run with --ask-become-pass`.
    pub fn explain(&self) -> String {
        let mut text = self.verdict.to_string();
        if !self.message.is_empty() && !matches!(self.verdict, SudoVerdict::Failed(_)) {
            text.push_str(&format!(" ({})", self.message));
        }
        if let Some(h) = self.verdict.hint() {
            text.push_str(&format!("; {h}"));
        }
        text
    }
}

/// Reads what sudo said (exit status and stderr) as a verdict. The texts
/// are sudo's (1.9, C locale: the check sets it).
pub fn classify(status: Option<u32>, message: &str) -> SudoVerdict {
    let has = |words: &[&str]| words.iter().any(|w| message.contains(w));
    if status == Some(0) {
        return SudoVerdict::Ok;
    }
    if status == Some(127) || has(&["sudo: not found", "sudo: command not found"]) {
        return SudoVerdict::NotInstalled;
    }
    if has(&["incorrect password", "Sorry, try again"]) {
        return SudoVerdict::WrongPassword;
    }
    if has(&["a password is required"]) {
        return SudoVerdict::NeedsPassword;
    }
    if has(&[
        "is not in the sudoers file",
        "may not run sudo",
        "not allowed to execute",
        "Sorry, user",
    ]) {
        return SudoVerdict::NotAllowed;
    }
    let line = one_line(message);
    SudoVerdict::Failed(if line.is_empty() {
        format!("sudo failed with status {status:?}")
    } else {
        line
    })
}

fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

const BEGIN: &str = "herd-sudo:";
const END: &str = "herd-sudo-end";
const MISSING: &str = "herd-sudo=missing";
/// Prefix of the line giving `sudo -n -l`'s exit status for a user whose
/// check wanted a password.
const LIST: &str = "herd-sudo-list:";

/// One script asking sudo, for each of `users`, to run `/bin/sh -c 'exit 0'`
/// as that user; the password (when `password`) is its first stdin line.
pub fn check_command(users: &[&str], password: Option<&super::BecomePassword>) -> String {
    let mut script = String::new();
    if password.is_some() {
        script.push_str(&format!("IFS= read -r {PASSWORD_VAR} || {PASSWORD_VAR}=; "));
    }
    script.push_str(&format!(
        "command -v sudo >/dev/null 2>&1 || {{ echo {MISSING}; exit 0; }}; "
    ));
    for (i, user) in users.iter().enumerate() {
        let Ok(sudo) = Sudo::new(user, password.cloned()) else {
            continue;
        };
        // sudo's messages are matched in English.
        let run = sudo.run_script_with("LC_ALL=C ", "exit 0", "");
        // With -n, sudo 1.9 says "a password is required" to a user whose
        // rules do not cover the command too: it authenticates before it
        // decides. `sudo -l CMD` tells the two apart without a password
        // when some rule of the user needs none (sudoers' listpw=any):
        // exit 1 and silence mean no rule lets /bin/sh run as that user.
        let list = if password.is_none() {
            format!(
                "[ \"$r\" = 0 ] || {{ l=$(LC_ALL=C sudo -n -u {u} -l /bin/sh 2>&1 >/dev/null); printf '{LIST}%s:%s\\n' \"$?\" \"$l\"; }}; ",
                u = crate::shell::quote(user)
            )
        } else {
            String::new()
        };
        script.push_str(&format!(
            "e=$( {{ {run}; }} 2>&1 ); r=$?; printf '{BEGIN}%s:%s\\n' {i} \"$r\"; {list}printf '%s\\n' \"$e\"; echo {END}; "
        ));
    }
    script.push_str("exit 0");
    script
}

/// Reads what [`check_command`] printed, one answer per user.
pub fn parse_check(users: &[&str], stdout: &str) -> Result<Vec<SudoAnswer>, String> {
    if stdout.lines().any(|l| l.trim() == MISSING) {
        return Ok(users
            .iter()
            .map(|u| SudoAnswer {
                user: u.to_string(),
                verdict: SudoVerdict::NotInstalled,
                message: String::new(),
            })
            .collect());
    }
    let mut answers = Vec::new();
    let mut lines = stdout.lines();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix(BEGIN) else {
            continue;
        };
        let (index, status) = rest.split_once(':').unwrap_or((rest, ""));
        let index: usize = index.parse().map_err(|_| format!("bad line {line:?}"))?;
        let status: Option<u32> = status.trim().parse().ok();
        let mut message: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != END).collect();
        let list = match message.first().and_then(|l| l.strip_prefix(LIST)) {
            Some(rest) => {
                let (rc, text) = rest.split_once(':').unwrap_or((rest, ""));
                let answer = (rc.trim().parse::<u32>().ok(), text.trim().to_string());
                message.remove(0);
                Some(answer)
            }
            None => None,
        };
        let message = message.join("\n");
        let user = users
            .get(index)
            .ok_or_else(|| format!("bad line {line:?}"))?;
        let mut verdict = classify(status, &message);
        let mut message = one_line(&message);
        if verdict == SudoVerdict::NeedsPassword
            && let Some((Some(1), text)) = &list
            && text.is_empty()
        {
            verdict = SudoVerdict::NotAllowed;
            message = format!("sudo -l: no rule lets it run /bin/sh as {user}");
        }
        answers.push(SudoAnswer {
            user: user.to_string(),
            verdict,
            message,
        });
    }
    if answers.len() != users.len() {
        return Err(format!(
            "the host's answer about sudo is incomplete: {}",
            one_line(stdout)
        ));
    }
    Ok(answers)
}

/// Asks `conn`'s host whether sudo works for each of `users`.
pub async fn check(
    conn: &Connection,
    users: &[&str],
    password: Option<&super::BecomePassword>,
) -> Result<Vec<SudoAnswer>, String> {
    let req = ExecRequest {
        command: check_command(users, password),
        stdin: password.map(|p| format!("{}\n", p.expose()).into_bytes()),
        timeout: Some(CHECK_TIMEOUT),
        ..Default::default()
    };
    let out = conn
        .exec(&req, &CancellationToken::new())
        .await
        .map_err(|e| e.to_string())?;
    parse_check(users, &out.stdout_str())
}

/// `req` on `conn`'s host; through sudo, only once sudo said it will (its
/// refusal is then the host's error, in words, not a bare exit 1).
pub async fn exec_checked(
    conn: &Connection,
    req: &ExecRequest,
    sudo: Option<&Sudo>,
    cancel: &CancellationToken,
) -> Result<super::ExecOutput, String> {
    if let Some(s) = sudo {
        let answers = check(conn, &[s.user()], s.password()).await?;
        if let Some(a) = answers.iter().find(|a| !a.verdict.is_ok()) {
            return Err(format!("sudo as {}: {}", a.user, a.explain()));
        }
    }
    conn.exec_as(req, sudo, cancel)
        .await
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// sudo 1.9.13 (Debian 12) as a user without root, word for word.
    #[test]
    fn sudos_own_messages_are_classified() {
        let cases: &[(Option<u32>, &str, SudoVerdict)] = &[
            (Some(0), "", SudoVerdict::Ok),
            (
                Some(1),
                "sudo: a password is required\n",
                SudoVerdict::NeedsPassword,
            ),
            (
                Some(1),
                "alice is not in the sudoers file.\n",
                SudoVerdict::NotAllowed,
            ),
            (
                Some(1),
                "alice is not in the sudoers file.  This incident will be reported.\n",
                SudoVerdict::NotAllowed,
            ),
            (
                Some(1),
                "Sorry, user alice may not run sudo on vm.\n",
                SudoVerdict::NotAllowed,
            ),
            (
                Some(1),
                "Sorry, user alice is not allowed to execute '/bin/sh -c exit 0' as hdfs on vm.\n",
                SudoVerdict::NotAllowed,
            ),
            (
                Some(1),
                "Sorry, try again.\n\nsudo: no password was provided\nsudo: 1 incorrect password attempt\n",
                SudoVerdict::WrongPassword,
            ),
            (
                Some(1),
                "Sorry, try again.\nSorry, try again.\nsudo: 3 incorrect password attempts\n",
                SudoVerdict::WrongPassword,
            ),
            (
                Some(127),
                "sh: 1: sudo: not found\n",
                SudoVerdict::NotInstalled,
            ),
            (
                Some(127),
                "bash: line 1: sudo: command not found\n",
                SudoVerdict::NotInstalled,
            ),
            (
                Some(1),
                "sudo: unknown user nosuch\nsudo: error initializing audit plugin sudoers_audit\n",
                SudoVerdict::Failed(
                    "sudo: unknown user nosuch; sudo: error initializing audit plugin sudoers_audit"
                        .into(),
                ),
            ),
        ];
        for (status, text, want) in cases {
            assert_eq!(&classify(*status, text), want, "{text:?}");
        }
        let a = SudoAnswer {
            user: "root".into(),
            verdict: SudoVerdict::NeedsPassword,
            message: "sudo: a password is required".into(),
        };
        assert_eq!(
            a.explain(),
            "needs a password (sudo: a password is required); re-run with --ask-become-pass"
        );
    }

    /// The script runs locally with a `sudo` stand-in on PATH: the answers
    /// come back per user, in order, with sudo's words; the password is
    /// in no text.
    #[test]
    fn the_check_script_reports_each_user() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let fake = bin.join("sudo");
        std::fs::write(
            &fake,
            "#!/bin/sh\nread -r pw\ncase \"$*\" in *'-u hdfs'*) echo 'Sorry, try again.' >&2; exit 1;; esac\n[ \"$pw\" = 'p w' ] || exit 9\nwhile [ \"$1\" != -- ]; do shift; done; shift\nexec \"$@\"\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let pw = crate::transport::BecomePassword::new("p w");
        let users = ["root", "hdfs"];
        let script = check_command(&users, Some(&pw));
        assert!(!script.contains("p w"), "{script}");
        let out = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(format!(
                "printf 'p w\\n' | PATH={}:$PATH /bin/sh -c {}",
                bin.display(),
                crate::shell::quote(&script)
            ))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let answers = parse_check(&users, &stdout).unwrap();
        assert_eq!(answers[0].verdict, SudoVerdict::Ok, "{stdout}");
        assert_eq!(answers[1].verdict, SudoVerdict::WrongPassword, "{stdout}");
        assert_eq!(answers[1].message, "Sorry, try again.");
        assert!(parse_check(&users, "herd-sudo:0:0\nherd-sudo-end\n").is_err());
        let missing = parse_check(&users, "herd-sudo=missing\n").unwrap();
        assert!(
            missing
                .iter()
                .all(|a| a.verdict == SudoVerdict::NotInstalled)
        );
    }

    /// sudo -n says "a password is required" both to a user whose rules
    /// need one and to one whose rules do not cover /bin/sh; `sudo -l`
    /// (sudo 1.9.13's answers, captured on the sandbox) tells them apart.
    #[test]
    fn a_rule_that_does_not_cover_the_command_is_not_allowed() {
        let users = ["root"];
        let restricted =
            "herd-sudo:0:1\nherd-sudo-list:1:\nsudo: a password is required\nherd-sudo-end\n";
        let a = &parse_check(&users, restricted).unwrap()[0];
        assert_eq!(a.verdict, SudoVerdict::NotAllowed);
        assert!(
            a.message.contains("no rule lets it run /bin/sh as root"),
            "{a:?}"
        );
        let with_password = "herd-sudo:0:1\nherd-sudo-list:1:sudo: a password is required\nsudo: a password is required\nherd-sudo-end\n";
        let a = &parse_check(&users, with_password).unwrap()[0];
        assert_eq!(a.verdict, SudoVerdict::NeedsPassword);
        assert_eq!(a.message, "sudo: a password is required");
        // The list says yes: the rule is there and wants a password.
        let listed =
            "herd-sudo:0:1\nherd-sudo-list:0:\nsudo: a password is required\nherd-sudo-end\n";
        assert_eq!(
            parse_check(&users, listed).unwrap()[0].verdict,
            SudoVerdict::NeedsPassword
        );
        // Only asked where the check failed without a password.
        let script = check_command(&users, None);
        assert!(script.contains("-l /bin/sh"), "{script}");
        let pw = crate::transport::BecomePassword::new("x");
        assert!(!check_command(&users, Some(&pw)).contains("-l /bin/sh"));
    }
}
