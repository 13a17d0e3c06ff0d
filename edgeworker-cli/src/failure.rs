//! How a command fails: the message for stderr and the exit status.

use std::fmt;
use std::process::ExitCode;

/// Exit status 1: the input was read but breaks a rule.
pub const INVALID: u8 = 1;
/// Exit status 2: the command line is wrong (clap uses 2 as well).
pub const USAGE: u8 = 2;
/// Exit status 3: an input file cannot be read or is not what it must be (JSON, a state file).
pub const INPUT: u8 = 3;

/// A failed command: what to tell the operator, and the exit status.
#[derive(Debug)]
pub struct Failure {
    status: u8,
    message: String,
}

impl Failure {
    /// A rule was broken (exit 1). The message should carry the rule's code.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self {
            status: INVALID,
            message: message.into(),
        }
    }

    /// The command line is wrong (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            status: USAGE,
            message: message.into(),
        }
    }

    /// An input cannot be read or parsed (exit 3). The message names the file.
    pub fn input(message: impl Into<String>) -> Self {
        Self {
            status: INPUT,
            message: message.into(),
        }
    }

    /// Whether the command line is wrong (exit 2).
    pub fn is_usage(&self) -> bool {
        self.status == USAGE
    }

    /// The exit status.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.status)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
