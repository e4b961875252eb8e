//! The files switchyard keeps about an operator's work (the log, the audit log, the event log):
//! private to the operator who runs it. They name accounts, resources, callers and reasons, so
//! they are created readable by their owner only (0600, in folders created 0700); a file or
//! folder that already exists keeps the permissions it has.

use std::fs::{DirBuilder, File, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

/// Opens `path` for appending, creating it (0600) and its missing folders (0700).
pub fn open_append(path: &Path) -> io::Result<File> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    }
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_files_and_folders_are_the_owners_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/switchyard/audit.jsonl");
        let mut f = open_append(&path).unwrap();
        writeln!(f, "one").unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("state/switchyard")), 0o700);
        assert_eq!(mode(&dir.path().join("state")), 0o700);
        // Appending keeps what was there.
        let mut f = open_append(&path).unwrap();
        writeln!(f, "two").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one\ntwo\n");
    }

    #[test]
    fn an_existing_file_keeps_its_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shared.jsonl");
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        open_append(&path).unwrap();
        assert_eq!(mode(&path), 0o640);
    }
}
