//! Specification of the paths under a container's root (`ConfigPath`, `HostConfigPath`,
//! `CheckpointDir`, `GetRootResourcePath`, `MountsResourcePath`, `ShmResourcePath`,
//! `SecretMountPath`, `SecretFilePath`, `ConfigFilePath`), and of the lexical cleaning they rest
//! on: Go's `TestClean` and `TestJoin` (`path/path_test.go`, `path/filepath`) cases.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use berth_core::mounts::{ConfigReference, SecretReference};
use berth_core::paths::{clean, join};
use berth_core::Container;

/// Go's `TestClean` cases (`path/path_test.go`).
#[test]
fn clean_cases() {
    let cases = [
        ("", "."),
        ("abc", "abc"),
        ("abc/def", "abc/def"),
        ("a/b/c", "a/b/c"),
        (".", "."),
        ("..", ".."),
        ("../..", "../.."),
        ("../../abc", "../../abc"),
        ("/abc", "/abc"),
        ("/", "/"),
        ("abc/", "abc"),
        ("abc/def/", "abc/def"),
        ("a/b/c/", "a/b/c"),
        ("./", "."),
        ("../", ".."),
        ("../../", "../.."),
        ("/abc/", "/abc"),
        ("abc//def//ghi", "abc/def/ghi"),
        ("//abc", "/abc"),
        ("///abc", "/abc"),
        ("//abc//", "/abc"),
        ("abc//", "abc"),
        ("abc/./def", "abc/def"),
        ("/./abc/def", "/abc/def"),
        ("abc/.", "abc"),
        ("abc/def/ghi/../jkl", "abc/def/jkl"),
        ("abc/def/../ghi/../jkl", "abc/jkl"),
        ("abc/def/..", "abc"),
        ("abc/def/../..", "."),
        ("/abc/def/../..", "/"),
        ("abc/def/../../..", ".."),
        ("/abc/def/../../..", "/"),
        ("abc/def/../../../ghi/jkl/../../../mno", "../../mno"),
        ("abc/./../def", "def"),
        ("abc//./../def", "def"),
        ("abc/../../././../def", "../../def"),
    ];
    for (path, want) in cases {
        assert_eq!(clean(path), want, "clean({path:?})");
    }
}

/// Go's `TestJoin` cases (`path/filepath`, Unix).
#[test]
fn join_cases() {
    let cases: &[(&[&str], &str)] = &[
        (&[], ""),
        (&[""], ""),
        (&["a"], "a"),
        (&["a", "b"], "a/b"),
        (&["a", ""], "a"),
        (&["", "b"], "b"),
        (&["/", "a"], "/a"),
        (&["/", "a/b"], "/a/b"),
        (&["/", ""], "/"),
        (&["//", "a"], "/a"),
        (&["/a", "b"], "/a/b"),
        (&["a/", "b"], "a/b"),
        (&["a/", ""], "a"),
        (&["", ""], ""),
        (&["/", "a", "b"], "/a/b"),
    ];
    for (elements, want) in cases {
        assert_eq!(join(elements), *want, "join({elements:?})");
    }
}

#[test]
fn paths_under_the_root() {
    let mut c = Container::new_base("abc");
    c.root = "/var/lib/docker/containers/abc".into();
    let secret = SecretReference {
        secret_id: "s1".into(),
        ..SecretReference::default()
    };
    let config = ConfigReference {
        config_id: "c1".into(),
        ..ConfigReference::default()
    };
    let cases = [
        (c.config_path(), "config.v2.json"),
        (c.host_config_path(), "hostconfig.json"),
        (c.checkpoint_dir(), "checkpoints"),
        (c.mounts_resource_path("shm"), "mounts/shm"),
        (c.shm_resource_path(), "mounts/shm"),
        (c.secret_mount_path(), "mounts/secrets"),
        (c.secret_file_path(&secret), "mounts/secrets/s1"),
        (c.config_file_path(&config), "mounts/secrets/c1"),
    ];
    for (got, under_root) in cases {
        assert_eq!(got, format!("{}/{under_root}", c.root));
    }
}

/// `GetRootResourcePath` scopes its argument to the root: no `..` climbs out.
#[test]
fn root_resource_path_stays_in_the_root() {
    let mut c = Container::new_base("abc");
    c.root = "/r/abc".into();
    let cases = [
        ("hostname", "/r/abc/hostname"),
        ("/hostname", "/r/abc/hostname"),
        ("a/../b", "/r/abc/b"),
        ("../../etc/passwd", "/r/abc/etc/passwd"),
        ("/../..", "/r/abc"),
        ("", "/r/abc"),
        ("mounts//shm/", "/r/abc/mounts/shm"),
    ];
    for (path, want) in cases {
        assert_eq!(c.root_resource_path(path), want, "{path:?}");
    }
    // No root (a container known only from the engine's API): the paths are rooted at `/`.
    let bare = Container::new_base("x");
    assert_eq!(bare.config_path(), "/config.v2.json");
    assert_eq!(bare.checkpoint_dir(), "checkpoints");
}
