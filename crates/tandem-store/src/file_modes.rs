//! An SQLite database holds every conversation: its file and the `-wal` and `-shm` files
//! beside it are readable and writable by their owner only (0600). The file is created so
//! before SQLite opens it (SQLite gives the other two the database file's mode), and files an
//! earlier version left more open are narrowed at start-up.

use std::io;
use std::path::{Path, PathBuf};

/// The mode of every database file.
#[cfg(unix)]
const PRIVATE_FILE_MODE: u32 = 0o600;

/// Creates the database file with the private mode unless it exists.
#[cfg(unix)]
pub(crate) fn create_private(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(PRIVATE_FILE_MODE)
        .open(path)
    {
        Err(error) if error.kind() != io::ErrorKind::AlreadyExists => Err(error),
        _ => Ok(()),
    }
}

/// Narrows the database file and its `-wal` and `-shm` files, where they exist, to the
/// private mode.
#[cfg(unix)]
pub(crate) fn narrow(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    for file in database_files(path) {
        let Ok(metadata) = std::fs::metadata(&file) else {
            continue;
        };
        if metadata.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(PRIVATE_FILE_MODE))?;
        }
    }
    Ok(())
}

#[cfg(not(unix))]
pub(crate) fn create_private(_path: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(not(unix))]
pub(crate) fn narrow(_path: &Path) -> io::Result<()> {
    Ok(())
}

/// The database file and the two SQLite keeps beside it in WAL mode.
fn database_files(path: &Path) -> [PathBuf; 3] {
    let with_suffix = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [path.to_owned(), with_suffix("-wal"), with_suffix("-shm")]
}
