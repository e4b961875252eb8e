//! Where the shared poller's socket lives and who may use it: a folder of this user's own
//! (mode 0700, checked on every start), one socket per set of sites and identities, and only
//! processes of this user on the other end.

use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The folder of this user's sockets: `$XDG_RUNTIME_DIR/switchyard` (a folder of the user's
/// own, by the XDG rules), else `switchyard-<uid>` in the temp folder.
pub fn folder(runtime_dir: Option<&Path>, temp: &Path, uid: u32) -> PathBuf {
    match runtime_dir.filter(|d| d.is_absolute()) {
        Some(d) => d.join("switchyard"),
        None => temp.join(format!("switchyard-{uid}")),
    }
}

/// Makes the folder (mode 0700) when it is missing, then checks it: a folder (not a link),
/// owned by `uid`, that no group and no other user may read, write or enter. `Err` says what is
/// wrong, in words for the operator.
pub fn check_folder(path: &Path, uid: u32) -> Result<(), String> {
    match std::fs::DirBuilder::new().mode(0o700).create(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("cannot create {}: {e}", path.display())),
    }
    let meta = std::fs::symlink_metadata(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    judge_folder(
        path,
        meta.file_type().is_dir(),
        meta.file_type().is_symlink(),
        meta.uid(),
        meta.permissions().mode(),
        uid,
    )
}

/// [`check_folder`]'s rules on what the folder's metadata says.
pub fn judge_folder(
    path: &Path,
    is_dir: bool,
    is_link: bool,
    owner: u32,
    mode: u32,
    uid: u32,
) -> Result<(), String> {
    if is_link {
        return Err(format!(
            "{} is a symbolic link, not a folder",
            path.display()
        ));
    }
    if !is_dir {
        return Err(format!("{} is not a folder", path.display()));
    }
    if owner != uid {
        return Err(format!(
            "{} belongs to user {owner}, not to this user ({uid})",
            path.display()
        ));
    }
    if mode & 0o077 != 0 {
        return Err(format!(
            "{} is open to other users (mode {:o}; it must be 700: chmod 700 {})",
            path.display(),
            mode & 0o777,
            path.display()
        ));
    }
    Ok(())
}

/// Whether the process on the other end of a connection may use the socket: only a process of
/// this same user (`peer`: its user ID as the kernel says, `None` when it could not be read).
pub fn check_peer(peer: Option<u32>, uid: u32) -> Result<(), String> {
    match peer {
        Some(p) if p == uid => Ok(()),
        Some(p) => Err(format!(
            "a process of user {p} connected; only this user's ({uid}) processes share its poller"
        )),
        None => Err("the connecting process's user could not be read".into()),
    }
}

/// This process's (effective) user ID, as the kernel gives it to the other end of a socket:
/// the peer credentials of a socket pair of its own.
pub fn own_uid() -> std::io::Result<u32> {
    let (a, _b) = tokio::net::UnixStream::pair()?;
    Ok(a.peer_cred()?.uid())
}

/// The socket's name: a hash of everything that decides what is read and as whom. Processes
/// whose inputs differ in anything never meet.
pub fn key(inputs: &[String]) -> String {
    let mut h = Sha256::new();
    for i in inputs {
        h.update(i.len().to_le_bytes());
        h.update(i.as_bytes());
    }
    let digest = h.finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// The environment variables that change where calls go, with which credentials and through
/// which proxy (the values of secrets are left out: the identity read with them is in the key).
pub const ENVIRONMENT: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_ROUTE_53",
    "AWS_ENDPOINT_URL_CLOUDWATCH",
    "AWS_ENDPOINT_URL_CLOUDFRONT",
    "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
    "AWS_ENDPOINT_URL_STS",
    "SWITCHYARD_DNS_SERVER",
    "SWITCHYARD_PROBE_PROXY",
    "SWITCHYARD_PROBE_CA",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folder_is_the_runtime_dirs_else_one_per_user_in_the_temp_folder() {
        assert_eq!(
            folder(Some(Path::new("/run/user/1000")), Path::new("/tmp"), 1000),
            PathBuf::from("/run/user/1000/switchyard")
        );
        assert_eq!(
            folder(None, Path::new("/tmp"), 1000),
            PathBuf::from("/tmp/switchyard-1000")
        );
        // A relative XDG_RUNTIME_DIR is invalid by the XDG rules: ignored.
        assert_eq!(
            folder(Some(Path::new("run")), Path::new("/tmp"), 7),
            PathBuf::from("/tmp/switchyard-7")
        );
    }

    #[test]
    fn a_folder_of_another_user_or_open_to_others_is_refused() {
        let p = Path::new("/run/user/1000/switchyard");
        assert_eq!(judge_folder(p, true, false, 1000, 0o40700, 1000), Ok(()));
        let other = judge_folder(p, true, false, 0, 0o40700, 1000).unwrap_err();
        assert!(other.contains("belongs to user 0"), "{other}");
        let open = judge_folder(p, true, false, 1000, 0o40755, 1000).unwrap_err();
        assert!(
            open.contains("mode 755") && open.contains("chmod 700"),
            "{open}"
        );
        let group = judge_folder(p, true, false, 1000, 0o40770, 1000).unwrap_err();
        assert!(group.contains("open to other users"), "{group}");
        let link = judge_folder(p, false, true, 1000, 0o777, 1000).unwrap_err();
        assert!(link.contains("symbolic link"), "{link}");
        let file = judge_folder(p, false, false, 1000, 0o600, 1000).unwrap_err();
        assert!(file.contains("not a folder"), "{file}");
    }

    #[test]
    fn a_folder_on_disk_with_wrong_permissions_is_refused_and_a_missing_one_made_private() {
        let dir = tempfile::tempdir().unwrap();
        let uid = std::fs::metadata(dir.path()).unwrap().uid();
        let made = dir.path().join("switchyard");
        assert_eq!(check_folder(&made, uid), Ok(()));
        let mode = std::fs::metadata(&made).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        std::fs::set_permissions(&made, std::fs::Permissions::from_mode(0o755)).unwrap();
        let e = check_folder(&made, uid).unwrap_err();
        assert!(e.contains("open to other users"), "{e}");
        // Owned by someone else (as far as the check knows).
        std::fs::set_permissions(&made, std::fs::Permissions::from_mode(0o700)).unwrap();
        let e = check_folder(&made, uid + 1).unwrap_err();
        assert!(e.contains("belongs to user"), "{e}");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&made, &link).unwrap();
        let e = check_folder(&link, uid).unwrap_err();
        assert!(e.contains("symbolic link"), "{e}");
    }

    #[test]
    fn another_user_is_refused_on_the_socket() {
        assert_eq!(check_peer(Some(1000), 1000), Ok(()));
        let e = check_peer(Some(1001), 1000).unwrap_err();
        assert!(e.contains("user 1001"), "{e}");
        assert!(check_peer(None, 1000).is_err());
    }

    #[tokio::test]
    async fn this_processs_uid_is_the_owner_of_what_it_creates() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, "x").unwrap();
        assert_eq!(own_uid().unwrap(), std::fs::metadata(&f).unwrap().uid());
    }

    #[test]
    fn the_key_changes_with_any_input() {
        let a = key(&["sites".into(), "arn:aws:iam::1:user/a".into()]);
        assert_eq!(a.len(), 32);
        assert_eq!(a, key(&["sites".into(), "arn:aws:iam::1:user/a".into()]));
        assert_ne!(a, key(&["sites".into(), "arn:aws:iam::1:user/b".into()]));
        // Boundaries count: ("ab", "c") is not ("a", "bc").
        assert_ne!(
            key(&["ab".into(), "c".into()]),
            key(&["a".into(), "bc".into()])
        );
    }
}
