//! The process's exit codes, each with its meaning, in one place (`--help` and
//! docs/commands.md list them): CI can tell "the formulas regressed" (1) from "the input is
//! wrong" (2) and "the run broke" (3).

/// How the process ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Every verdict agrees (or has no closed form).
    Success,
    /// A verdict disagreed: a simulation or a formula is wrong (or a rare false alarm).
    Disagree,
    /// Bad usage or bad input: a message names the file, line, key or flag.
    BadInput,
    /// A failure while running: a file that cannot be written, a full disk, a closed pipe.
    Failure,
    /// Stopped by Ctrl-C (SIGINT) with nothing written.
    Interrupted,
}

impl ExitCode {
    /// Every code, in the order `--help` lists them.
    pub const ALL: [ExitCode; 5] = [
        ExitCode::Success,
        ExitCode::Disagree,
        ExitCode::BadInput,
        ExitCode::Failure,
        ExitCode::Interrupted,
    ];

    pub fn code(self) -> i32 {
        match self {
            ExitCode::Success => 0,
            ExitCode::Disagree => 1,
            ExitCode::BadInput => 2,
            ExitCode::Failure => 3,
            // 128 + SIGINT, as shells report a process a Ctrl-C ended.
            ExitCode::Interrupted => 130,
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            ExitCode::Success => "success: every verdict agrees (or has no closed form)",
            ExitCode::Disagree => "a verdict disagreed (a simulation or a formula is wrong)",
            ExitCode::BadInput => {
                "bad usage or input (the message names the file, line and key); check without a reference"
            }
            ExitCode::Failure => "a failure while running (an unwritable file, a full disk)",
            ExitCode::Interrupted => "interrupted by Ctrl-C; nothing was written",
        }
    }

    /// The list for `--help`.
    pub fn help() -> String {
        let mut s = String::from("Exit codes:\n");
        for c in ExitCode::ALL {
            s.push_str(&format!("  {:>3}  {}\n", c.code(), c.meaning()));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct() {
        let mut codes: Vec<i32> = ExitCode::ALL.iter().map(|c| c.code()).collect();
        codes.dedup();
        assert_eq!(codes, [0, 1, 2, 3, 130]);
        assert!(ExitCode::help().contains("  3  a failure while running"));
    }
}
