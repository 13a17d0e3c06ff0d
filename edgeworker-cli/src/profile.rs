//! `--profile`: the release profile a command follows, its values listed in `--help`.

use clap::ValueEnum;
use edgeworker_core::profile::Profile;

/// The release profile named on the command line (clap lists these in `--help` and refuses
/// any other name, exit 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileArg {
    /// stx.5.0 through stx.8.0 (the default).
    Classic,
    /// stx.10.0, 11.0, 12.0 and master.
    Stx10,
}

impl From<ProfileArg> for Profile {
    fn from(arg: ProfileArg) -> Self {
        match arg {
            ProfileArg::Classic => Self::Classic,
            ProfileArg::Stx10 => Self::Stx10,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_profile_has_its_name_on_the_command_line() {
        for profile in Profile::ALL {
            let arg = ProfileArg::from_str(profile.as_str(), false).expect("a known name");
            assert_eq!(Profile::from(arg), profile);
        }
    }
}
