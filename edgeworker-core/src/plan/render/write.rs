//! Writing the Ansible directory: everything rendered first, each file complete or absent.
//!
//! Policy: only `playbook.yml`, `inventory.yml` and `ansible.cfg` are ever written. An existing file of
//! that name is replaced only when it starts with [`HEADER`] (a previous rendering);
//! anything else is refused, so an operator's own playbook is never clobbered. Other files
//! in the directory are left alone. Each file is written to a temporary file in the same
//! directory, flushed to disk, then renamed over the target, so a reader sees the old file
//! or the new one, never a part.

use std::fs;
use std::path::{Path, PathBuf};

use crate::atomic_file::{self, Staged};

use super::ansible::{AnsibleFiles, RenderError};

/// The first line of every rendered file, marking it as ours to replace.
pub const HEADER: &str =
    "# Rendered by edgeworker (provisioning plan); re-rendering replaces this file.\n";

/// Why the Ansible directory was not written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// Rendering failed; nothing was written.
    #[error(transparent)]
    Render(#[from] RenderError),
    /// An existing file was not written by edgeworker; nothing was written.
    #[error("{path}: exists and was not rendered by edgeworker; refusing to replace it")]
    Foreign {
        /// The file.
        path: PathBuf,
    },
    /// The file system refused.
    #[error("{path}: {source}")]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

impl WriteError {
    /// The stable code of this error.
    ///
    /// ```
    /// use edgeworker_core::plan::WriteError;
    /// let err = WriteError::Foreign { path: "playbook.yml".into() };
    /// assert_eq!(err.code(), "plan.write_refused");
    /// ```
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Render(_) => "plan.render_failed",
            Self::Foreign { .. } => "plan.write_refused",
            Self::Io { .. } => "plan.write_failed",
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_owned(),
        source,
    }
}

impl AnsibleFiles {
    /// The files as `(name, full text)`, each starting with [`HEADER`].
    ///
    /// ```
    /// # use edgeworker_core::plan::AnsibleFiles;
    /// let files = AnsibleFiles {
    ///     playbook: "- {}\n".into(),
    ///     inventory: "all: {}\n".into(),
    ///     config: "[defaults]\n".into(),
    /// };
    /// let named = files.named();
    /// assert_eq!(named[0].0, "playbook.yml");
    /// assert_eq!(named[2].0, "ansible.cfg");
    /// assert!(named[1].1.starts_with("# Rendered by edgeworker"));
    /// ```
    #[must_use]
    pub fn named(&self) -> [(&'static str, String); 3] {
        [
            ("playbook.yml", format!("{HEADER}{}", self.playbook)),
            ("inventory.yml", format!("{HEADER}{}", self.inventory)),
            ("ansible.cfg", format!("{HEADER}{}", self.config)),
        ]
    }

    /// Writes `playbook.yml`, `inventory.yml` and `ansible.cfg` into `dir`, creating it if
    /// missing.
    ///
    /// # Errors
    ///
    /// [`WriteError::Foreign`] when a target exists and was not rendered by edgeworker (then
    /// nothing is written), [`WriteError::Io`] when the file system refuses (temporary files
    /// are removed; a target is either its old or its new content).
    pub fn write_to(&self, dir: &Path) -> Result<(), WriteError> {
        fs::create_dir_all(dir).map_err(io(dir))?;
        let files = self.named();
        let mut previous = Vec::with_capacity(files.len());
        for (name, _) in &files {
            let path = dir.join(name);
            // Only the header is needed to tell ours from the operator's; a FIFO or a device
            // under the name is refused, never read.
            match atomic_file::read_regular(&path, MAX_EXISTING_BYTES, WHAT) {
                Ok((existing, _)) if !existing.starts_with(HEADER.as_bytes()) => {
                    return Err(WriteError::Foreign { path });
                }
                Ok((_, metadata)) => previous.push(Some(metadata)),
                Err(e) if e.source.kind() == std::io::ErrorKind::NotFound => previous.push(None),
                Err(e) => return Err(file_error(e)),
            }
        }
        // Every file staged before any is renamed: a failure leaves the old set whole.
        // Temporary names are unique per call, so threads writing one directory at once
        // never remove each other's files.
        let staged = files
            .iter()
            .zip(&previous)
            .map(|((name, text), previous)| {
                Staged::new(&dir.join(name), text.as_bytes(), previous.as_ref(), WHAT)
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(file_error)?;
        for file in staged {
            file.commit().map_err(file_error)?;
        }
        Ok(())
    }
}

/// How errors name the rendered files.
const WHAT: &str = "the rendered Ansible file";

/// A rendered file is a few megabytes for a large fleet; an existing file larger than this
/// is no rendering of ours.
const MAX_EXISTING_BYTES: u64 = 1 << 30;

fn file_error(err: atomic_file::FileError) -> WriteError {
    let message = format!("cannot {} {}: {}", err.action, err.what, err.source);
    WriteError::Io {
        path: err.path,
        source: std::io::Error::new(err.source.kind(), message),
    }
}
