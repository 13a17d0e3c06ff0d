//! Reading and replacing the files this crate's users keep: the address state, the dnsmasq
//! files, the Ansible directory. One place for the rules every writer and reader follows.
//!
//! - **Reading**: only a regular file is read ([`open_regular`]): a FIFO would block the
//!   caller forever and a device (`/dev/zero`) would be read until memory runs out; reads
//!   are bounded ([`read_regular`]).
//! - **Replacing** ([`replace`]): the new content goes to a temporary file beside the
//!   target, named uniquely for the call (`.<name>.<pid>-<n>.tmp`) and created with
//!   create-new semantics (`O_EXCL`, `O_NOFOLLOW`), so a file or link planted under that
//!   name is never followed or truncated, and concurrent writers (threads or processes)
//!   never share one; it is synced, renamed over the target, and the directory synced. A
//!   reader sees the old file or the new one, never a part. On error only the temporary
//!   file this call created is removed.
//! - A replacement keeps the replaced file's mode, and its owner and group where the writer
//!   may set them (root); a new file gets the mode a plain create gives (0666 less the umask).

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read as _};
use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A failed read or replacement: the file, what was being done to which file, and the
/// system's error.
///
/// ```
/// use edgeworker_core::atomic_file::read_regular;
/// let path = std::path::Path::new("/nonexistent/x.json");
/// let err = read_regular(path, 1024, "the address state").unwrap_err();
/// assert_eq!(err.action, "read");
/// assert!(err.to_string().starts_with("/nonexistent/x.json: cannot read the address state: "));
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot {action} {what}: {source}", path.display())]
#[non_exhaustive]
pub struct FileError {
    /// The path concerned: the target, the temporary file beside it, or its directory.
    pub path: PathBuf,
    /// What was being done: `read`, `create a temporary file for`, `write the temporary
    /// file for`, `replace`, `sync the directory of`.
    pub action: &'static str,
    /// The file, as the caller names it (`the address state`).
    pub what: &'static str,
    /// The operating system's error, or ours for a special file or a size limit.
    pub source: io::Error,
}

fn error(
    path: &Path,
    action: &'static str,
    what: &'static str,
) -> impl FnOnce(io::Error) -> FileError {
    let path = path.to_owned();
    move |source| FileError {
        path,
        action,
        what,
        source,
    }
}

/// Opens `path` for reading, refusing anything but a regular file without blocking on it.
///
/// # Errors
///
/// The operating system's error opening `path`, or [`io::ErrorKind::InvalidInput`] with
/// "not a regular file (a FIFO)" (a directory, a device, ...).
///
/// ```
/// use edgeworker_core::atomic_file::open_regular;
///
/// let err = open_regular(std::path::Path::new("/dev/null")).unwrap_err();
/// assert_eq!(err.to_string(), "not a regular file (a character device)");
/// ```
pub fn open_regular(path: &Path) -> io::Result<File> {
    // O_NONBLOCK keeps open(2) from waiting for a FIFO's writer; it changes nothing for the
    // regular file that is the only thing accepted.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(not_regular(&metadata));
    }
    Ok(file)
}

/// The error for a path that is not a regular file, naming what it is.
pub(crate) fn not_regular(metadata: &fs::Metadata) -> io::Error {
    let kind = metadata.file_type();
    let what = if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a special file"
    };
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a regular file ({what})"),
    )
}

/// The whole regular file at `path`, at most `limit` bytes, with its metadata. `what` names
/// the file in the error.
///
/// # Errors
///
/// A [`FileError`] (action `read`): the file cannot be opened or read, is not a regular
/// file, or is larger than `limit`.
///
/// ```
/// use edgeworker_core::atomic_file::read_regular;
/// # let dir = tempfile::tempdir()?;
/// let path = dir.path().join("hosts");
/// std::fs::write(&path, "abc")?;
/// assert_eq!(read_regular(&path, 3, "the hosts file")?.0, b"abc");
/// let err = read_regular(&path, 2, "the hosts file").unwrap_err();
/// assert!(err.to_string().ends_with("cannot read the hosts file: larger than 2 bytes"), "{err}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_regular(
    path: &Path,
    limit: u64,
    what: &'static str,
) -> Result<(Vec<u8>, fs::Metadata), FileError> {
    let read = || {
        let file = open_regular(path)?;
        let metadata = file.metadata()?;
        let mut bytes = Vec::new();
        file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > limit {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("larger than {limit} bytes"),
            ));
        }
        Ok((bytes, metadata))
    };
    read().map_err(error(path, "read", what))
}

/// Tells apart the temporary files of calls in one process; the process id tells apart
/// processes.
static TEMP_SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// The sequence number the next temporary file of this process will try first (tests plant
/// files under the coming names).
#[cfg(test)]
pub(crate) fn next_temp_sequence() -> u64 {
    TEMP_SEQUENCE.load(Ordering::Relaxed)
}

/// Replaces `path` with `contents`: a temporary file beside it, synced, renamed over it, the
/// directory synced. `previous` is the metadata of the file being replaced (its mode, owner
/// and group are kept), `None` for a new file; `what` names the file in errors.
///
/// # Errors
///
/// A [`FileError`] naming the file and the step; the target then holds its old content (or
/// does not exist), and no temporary file of this call is left.
///
/// ```
/// use edgeworker_core::atomic_file::replace;
/// # let dir = tempfile::tempdir()?;
/// let path = dir.path().join("dnsmasq.hosts");
/// replace(&path, b"edge-1,10.0.0.5\n", None, "the hosts file")?;
/// let before = std::fs::metadata(&path)?;
/// replace(&path, b"edge-1,10.0.0.6\n", Some(&before), "the hosts file")?;
/// assert_eq!(std::fs::read_to_string(&path)?, "edge-1,10.0.0.6\n");
/// assert_eq!(std::fs::read_dir(dir.path())?.count(), 1, "no temporary file left");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn replace(
    path: &Path,
    contents: &[u8],
    previous: Option<&fs::Metadata>,
    what: &'static str,
) -> Result<(), FileError> {
    Staged::new(path, contents, previous, what)?.commit()
}

/// New content written and synced beside its target, not yet in place: [`Staged::commit`]
/// renames it over the target; dropping it uncommitted removes the temporary file. Staging
/// every file of a set before committing any keeps a failed write from leaving half a set.
///
/// ```
/// use edgeworker_core::atomic_file::Staged;
/// # let dir = tempfile::tempdir()?;
/// let a = Staged::new(&dir.path().join("a"), b"1", None, "the file")?;
/// let b = Staged::new(&dir.path().join("b"), b"2", None, "the file")?;
/// a.commit()?;
/// drop(b); // not committed: no trace of it
/// let names: Vec<_> = std::fs::read_dir(dir.path())?.map(|e| e.map(|e| e.file_name())).collect::<Result<_, _>>()?;
/// assert_eq!(names, ["a"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Staged {
    temp: Option<PathBuf>,
    target: PathBuf,
    dir: PathBuf,
    what: &'static str,
}

impl Staged {
    /// Writes `contents` to a new temporary file beside `path` and syncs it (mode, owner and
    /// group from `previous`, as for [`replace`]).
    ///
    /// # Errors
    ///
    /// A [`FileError`]; no temporary file is left.
    pub fn new(
        path: &Path,
        contents: &[u8],
        previous: Option<&fs::Metadata>,
        what: &'static str,
    ) -> Result<Self, FileError> {
        Self::write_with(path, previous, what, |out| out.write_all(contents))
    }

    /// [`Staged::new`] with the content written by `write` into the temporary file (through
    /// a buffer), for content made as it is written: a plan too big to hold in memory. An
    /// error from `write` is returned as the file's, and leaves no temporary file.
    ///
    /// ```
    /// use edgeworker_core::atomic_file::Staged;
    /// # let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("plan.txt");
    /// let failed = Staged::write_with(&path, None, "the plan", |out| {
    ///     out.write_all(b"half")?;
    ///     Err(std::io::Error::other("the disk is full"))
    /// });
    /// assert!(failed.is_err());
    /// assert_eq!(std::fs::read_dir(dir.path())?.count(), 0);
    /// Staged::write_with(&path, None, "the plan", |out| out.write_all(b"whole"))?.commit()?;
    /// assert_eq!(std::fs::read(&path)?, b"whole");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A [`FileError`]; no temporary file is left.
    pub fn write_with(
        path: &Path,
        previous: Option<&fs::Metadata>,
        what: &'static str,
        write: impl FnOnce(&mut dyn io::Write) -> io::Result<()>,
    ) -> Result<Self, FileError> {
        let file_name = path.file_name().ok_or_else(|| {
            error(path, "replace", what)(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a file name",
            ))
        })?;
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        // A replacement starts private and takes the old file's mode once written.
        let mode = if previous.is_some() { 0o600 } else { 0o666 };
        let (temp, file) = create_temp(&dir, file_name, mode)
            .map_err(|(temp, err)| error(&temp, "create a temporary file for", what)(err))?;
        // From here on the temporary file is this call's own: the only one it ever removes.
        let staged = Self {
            temp: Some(temp),
            target: path.to_owned(),
            dir,
            what,
        };
        write_synced(file, write, previous).map_err(|err| {
            let temp = staged.temp.clone().unwrap_or_default();
            error(&temp, "write the temporary file for", what)(err)
        })?;
        Ok(staged)
    }

    /// Renames the new content over the target and syncs the directory.
    ///
    /// # Errors
    ///
    /// A [`FileError`]; the target then keeps its old content and the temporary file is
    /// removed.
    pub fn commit(mut self) -> Result<(), FileError> {
        let Some(temp) = self.temp.take() else {
            return Ok(());
        };
        if let Err(err) = fs::rename(&temp, &self.target) {
            // Best effort: the target is intact either way.
            let _ = fs::remove_file(&temp);
            return Err(error(&self.target, "replace", self.what)(err));
        }
        File::open(&self.dir)
            .and_then(|dir| dir.sync_all())
            .map_err(error(&self.dir, "sync the directory of", self.what))
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            let _ = fs::remove_file(temp);
        }
    }
}

/// Creates `.<name>.<pid>-<n>.tmp` in `dir` with create-new semantics, taking the next
/// number when a name is taken (a planted file, or one left by a killed process).
fn create_temp(
    dir: &Path,
    file_name: &std::ffi::OsStr,
    mode: u32,
) -> Result<(PathBuf, File), (PathBuf, io::Error)> {
    const ATTEMPTS: u32 = 64;
    let pid = std::process::id();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let sequence = TEMP_SEQUENCE.fetch_add(1, Ordering::Relaxed);
        let mut name = OsString::from(".");
        name.push(file_name);
        name.push(format!(".{pid}-{sequence}.tmp"));
        let temp = dir.join(name);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_NOFOLLOW)
            .mode(mode)
            .open(&temp)
        {
            Ok(file) => return Ok((temp, file)),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists && attempt < ATTEMPTS => {}
            Err(err) => return Err((temp, err)),
        }
    }
}

fn write_synced(
    file: File,
    write: impl FnOnce(&mut dyn io::Write) -> io::Result<()>,
    previous: Option<&fs::Metadata>,
) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(1 << 16, file);
    write(&mut out)?;
    let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
    if let Some(previous) = previous {
        keep_owner(&file, previous)?;
        file.set_permissions(previous.permissions())?;
    }
    file.sync_all()
}

/// Gives the new file the replaced file's owner and group. Only root may give a file away,
/// so a writer that is not the owner (but may write the directory) keeps its own: the same
/// as any editor that saves by renaming.
fn keep_owner(file: &File, previous: &fs::Metadata) -> io::Result<()> {
    let own = file.metadata()?;
    if (own.uid(), own.gid()) == (previous.uid(), previous.gid()) {
        return Ok(());
    }
    match std::os::unix::fs::fchown(file, Some(previous.uid()), Some(previous.gid())) {
        Err(err) if err.kind() == io::ErrorKind::PermissionDenied => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Temporary names planted ahead of this process (links to a file an attacker wants
    /// overwritten) are skipped, never followed, and left where they are.
    #[test]
    fn planted_temporary_names_are_skipped_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("mgmt.json");
        let victim = dir.path().join("victim");
        fs::write(&victim, "precious").unwrap();
        let pid = std::process::id();
        let next = next_temp_sequence();
        let planted: Vec<PathBuf> = (next..next + 8)
            .map(|n| dir.path().join(format!(".mgmt.json.{pid}-{n}.tmp")))
            .collect();
        for link in &planted {
            std::os::unix::fs::symlink(&victim, link).unwrap();
        }
        replace(&target, b"new", None, "the state").unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        for link in &planted {
            assert!(fs::symlink_metadata(link).unwrap().file_type().is_symlink());
        }
    }

    /// Threads replacing one file at once never trip over each other's temporary files.
    #[test]
    fn concurrent_replacements_each_succeed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("inventory.yml");
        std::thread::scope(|scope| {
            for t in 0..16 {
                let target = &target;
                scope.spawn(move || {
                    for i in 0..20 {
                        replace(
                            target,
                            format!("{t}-{i}\n").as_bytes(),
                            None,
                            "the inventory",
                        )
                        .unwrap();
                    }
                });
            }
        });
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn special_files_are_named() {
        let err = read_regular(Path::new("/dev/zero"), 10, "the state").unwrap_err();
        assert_eq!(
            err.to_string(),
            "/dev/zero: cannot read the state: not a regular file (a character device)"
        );
        let dir = tempfile::tempdir().unwrap();
        let err = read_regular(dir.path(), 10, "the state").unwrap_err();
        assert!(
            err.to_string()
                .ends_with("not a regular file (a directory)"),
            "{err}"
        );
    }
}
