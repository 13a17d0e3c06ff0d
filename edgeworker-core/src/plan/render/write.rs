//! Writing the Ansible directory: everything rendered first, each file complete or absent.
//!
//! Policy: only `playbook.yml`, `inventory.yml` and `ansible.cfg` are ever written. An existing file of
//! that name is replaced only when it starts with [`HEADER`] (a previous rendering);
//! anything else is refused, so an operator's own playbook is never clobbered. Other files
//! in the directory are left alone. Each file is written to a temporary file in the same
//! directory, flushed to disk, then renamed over the target, so a reader sees the old file
//! or the new one, never a part.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

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
        for (name, _) in &files {
            let path = dir.join(name);
            match fs::read(&path) {
                Ok(existing) if !existing.starts_with(HEADER.as_bytes()) => {
                    return Err(WriteError::Foreign { path });
                }
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(&path)(e)),
            }
        }
        let mut staged = Vec::with_capacity(files.len());
        for (name, text) in &files {
            let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
            if let Err(e) = write_new(&tmp, text) {
                let _ = fs::remove_file(&tmp);
                for (tmp, _) in &staged {
                    let _ = fs::remove_file(tmp);
                }
                return Err(e);
            }
            staged.push((tmp, dir.join(name)));
        }
        let mut result = Ok(());
        for (tmp, target) in &staged {
            if result.is_ok() {
                result = fs::rename(tmp, target).map_err(io(target));
            }
            if result.is_err() {
                let _ = fs::remove_file(tmp);
            }
        }
        result
    }
}

fn write_new(path: &Path, text: &str) -> Result<(), WriteError> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io(path))?;
    file.write_all(text.as_bytes()).map_err(io(path))?;
    file.sync_all().map_err(io(path))
}
