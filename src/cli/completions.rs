//! `herd completions SHELL`.
use clap::CommandFactory;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// bash, zsh, fish, elvish or powershell.
    pub shell: clap_complete::Shell,
}

pub fn main(args: Args) -> i32 {
    let mut cmd = super::Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "herd", &mut std::io::stdout());
    crate::exit::OK
}
