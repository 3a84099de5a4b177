//! `--ask-become-pass`: the sudo password, read once before any host is
//! contacted: from the terminal without echo, or, when stdin is not a
//! terminal (scripts, tests), as one line from stdin.

use std::io::IsTerminal;

use crate::transport::BecomePassword;

/// The password, or why it could not be read (bad input: nothing ran).
pub fn read() -> Result<BecomePassword, String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return rpassword::prompt_password("BECOME password: ")
            .map(BecomePassword::new)
            .map_err(|e| {
                format!("--ask-become-pass: cannot read the password from the terminal: {e}")
            });
    }
    let mut line = String::new();
    match stdin.read_line(&mut line) {
        Ok(0) => {
            Err("--ask-become-pass: stdin is not a terminal and holds no password line".into())
        }
        Ok(_) => {
            let password = line.strip_suffix('\n').unwrap_or(&line);
            let password = password.strip_suffix('\r').unwrap_or(password);
            Ok(BecomePassword::new(password))
        }
        Err(e) => Err(format!(
            "--ask-become-pass: cannot read the password from stdin: {e}"
        )),
    }
}
