//! Stored files' content in a directory (`ports::FileContents`): `<dir>/<account id>/<file id>`,
//! written to a temporary name, flushed and renamed, so a file is there whole or not at all.
//! Only ids name paths, never anything a client sent.

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use tandem_app::ports::{BoxFuture, FileContents};
use tandem_domain::id::{AccountId, FileId};

/// Files kept under one directory.
#[derive(Clone, Debug)]
pub struct DirectoryFiles {
    dir: PathBuf,
}

impl DirectoryFiles {
    /// Keeps files under `dir`, created when missing.
    pub fn new(dir: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    fn path(&self, account_id: AccountId, file_id: FileId) -> PathBuf {
        self.dir
            .join(account_id.0.to_string())
            .join(file_id.0.to_string())
    }
}

/// Writes `content` to `path` through a temporary file in the same directory.
fn write_whole(path: &Path, content: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(path);
    std::fs::create_dir_all(dir)?;
    let temporary = path.with_extension("part");
    let written = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(content)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// Every `<account>/<file>` pair under `dir` whose names are ids (temporary files are not).
fn list_all(dir: &Path) -> std::io::Result<Vec<(AccountId, FileId)>> {
    let mut found = Vec::new();
    for account in std::fs::read_dir(dir)? {
        let account = account?;
        let Some(account_id) = parse_id(&account.file_name()) else {
            continue;
        };
        if !account.file_type()?.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(account.path())? {
            if let Some(file_id) = parse_id(&file?.file_name()) {
                found.push((AccountId(account_id), FileId(file_id)));
            }
        }
    }
    Ok(found)
}

fn parse_id(name: &std::ffi::OsStr) -> Option<uuid::Uuid> {
    name.to_str()?.parse().ok()
}

impl FileContents for DirectoryFiles {
    fn put<'a>(
        &'a self,
        account_id: AccountId,
        file_id: FileId,
        content: &'a [u8],
    ) -> BoxFuture<'a, std::io::Result<()>> {
        let path = self.path(account_id, file_id);
        let content = content.to_vec();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || write_whole(&path, &content))
                .await
                .map_err(std::io::Error::other)?
        })
    }

    fn get(
        &self,
        account_id: AccountId,
        file_id: FileId,
    ) -> BoxFuture<'_, std::io::Result<Option<Vec<u8>>>> {
        let path = self.path(account_id, file_id);
        Box::pin(async move {
            match tokio::fs::read(&path).await {
                Ok(content) => Ok(Some(content)),
                Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
                Err(error) => Err(error),
            }
        })
    }

    fn remove(&self, account_id: AccountId, file_id: FileId) -> BoxFuture<'_, std::io::Result<()>> {
        let path = self.path(account_id, file_id);
        Box::pin(async move {
            match tokio::fs::remove_file(&path).await {
                Err(error) if error.kind() != ErrorKind::NotFound => Err(error),
                _ => Ok(()),
            }
        })
    }

    fn list(&self) -> BoxFuture<'_, std::io::Result<Vec<(AccountId, FileId)>>> {
        let dir = self.dir.clone();
        Box::pin(async move {
            tokio::task::spawn_blocking(move || list_all(&dir))
                .await
                .map_err(std::io::Error::other)?
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn content_is_kept_listed_and_removed_by_id() {
        let dir = std::env::temp_dir().join(format!("tandem-files-{}", uuid::Uuid::now_v7()));
        let files = DirectoryFiles::new(dir.clone()).unwrap();
        let (account, file) = (AccountId::generate(), FileId::generate());
        files.put(account, file, b"boleto").await.unwrap();
        assert_eq!(
            files.get(account, file).await.unwrap().as_deref(),
            Some(&b"boleto"[..])
        );
        std::fs::write(dir.join(account.0.to_string()).join("x.part"), b"half").unwrap();
        assert_eq!(files.list().await.unwrap(), vec![(account, file)]);
        files.remove(account, file).await.unwrap();
        files.remove(account, file).await.unwrap();
        assert_eq!(files.get(account, file).await.unwrap(), None);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
