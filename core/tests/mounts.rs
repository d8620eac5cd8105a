//! Specification of the container's mounts: moby's `TestContainerSecretReferenceDestTarget`
//! (`container/container_unit_test.go`) and `TestConvertTmpfsOptions`
//! (`volume/mounts/linux_parser_test.go`) ported by name; tables for `HasMountFor`,
//! `IsDestinationMounted`, `TmpfsMounts`, `SecretMounts`, `NetworkMounts`, `IpcMounts`,
//! `TrySetNetworkMount` and `AddMountPointWithVolume`; and the mounts of `GET /containers/json`
//! against what a real engine (20.10) answered.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use berth_core::api::{summarize, MountSummary};
use berth_core::container::MountPoint;
use berth_core::mounts::{
    convert_tmpfs_options, ConfigReference, Mount, MountSpec, ReferenceFileTarget, SecretReference,
    TmpfsOptions, CONTAINER_SECRET_MOUNT_PATH,
};
use berth_core::{Container, ContainerInspect, Time};

fn point(kind: &str, destination: &str, rw: bool) -> MountPoint {
    MountPoint {
        r#type: kind.to_owned(),
        destination: destination.to_owned(),
        rw,
        ..MountPoint::default()
    }
}

fn file(name: &str) -> Option<ReferenceFileTarget> {
    Some(ReferenceFileTarget {
        name: name.to_owned(),
        ..ReferenceFileTarget::default()
    })
}

fn with_root() -> Container {
    let mut c = Container::new_base("abc");
    c.root = "/var/lib/docker/containers/abc".to_owned();
    c
}

/// `TestContainerSecretReferenceDestTarget`: a relative secret name lands under `/run/secrets`.
#[test]
fn container_secret_reference_dest_target() {
    let mut c = with_root();
    c.secret_references.push(SecretReference {
        file: file("app"),
        secret_id: "s1".into(),
        ..SecretReference::default()
    });
    let mounts = c.secret_mounts();
    assert_eq!(mounts.len(), 1);
    assert_eq!(
        mounts[0].destination,
        format!("{CONTAINER_SECRET_MOUNT_PATH}/app")
    );
}

/// `TestConvertTmpfsOptions`.
#[test]
fn convert_tmpfs_options_cases() {
    let cases: &[(TmpfsOptions, bool, &[&str], &[&str])] = &[
        (
            TmpfsOptions {
                size_bytes: 1024 * 1024,
                mode: 0o700,
            },
            false,
            &["size=1m", "mode=700"],
            &["ro"],
        ),
        (TmpfsOptions::default(), true, &["ro"], &[]),
    ];
    for (opt, read_only, expected, unexpected) in cases {
        let data = convert_tmpfs_options(Some(opt), *read_only);
        for s in *expected {
            assert!(data.contains(s), "{data:?} lacks {s:?}");
        }
        for s in *unexpected {
            assert!(!data.contains(s), "{data:?} has {s:?}");
        }
    }
}

/// The exact strings: `ro` first, then the octal mode, then the size in its largest whole unit.
#[test]
fn convert_tmpfs_options_exact() {
    let opt = |size_bytes, mode| Some(TmpfsOptions { size_bytes, mode });
    let cases: &[(Option<TmpfsOptions>, bool, &str)] = &[
        (None, false, ""),
        (None, true, "ro"),
        (opt(0, 0o1777), false, "mode=1777"),
        (opt(2 << 30, 0), false, "size=2g"),
        (opt(3 << 20, 0), false, "size=3m"),
        (opt(1536 << 10, 0), false, "size=1536k"),
        (opt(1000, 0), false, "size=1000"),
        (opt(64 << 20, 0o755), true, "ro,mode=755,size=64m"),
    ];
    for (o, ro, want) in cases {
        assert_eq!(convert_tmpfs_options(o.as_ref(), *ro), *want, "{o:?} {ro}");
    }
}

#[test]
fn has_mount_for_and_is_destination_mounted() {
    let mut c = Container::new_base("abc");
    c.mount_points
        .insert("/data".into(), point("volume", "/data", true));
    c.host_config.tmpfs.insert("/run".into(), "size=1m".into());
    // (path, HasMountFor, IsDestinationMounted)
    let cases = [
        ("/data", true, true),
        ("/run", true, false),
        ("/data/sub", false, false),
        ("/", false, false),
        ("", false, false),
    ];
    for (path, has, mounted) in cases {
        assert_eq!(c.has_mount_for(path), has, "HasMountFor({path:?})");
        assert_eq!(
            c.is_destination_mounted(path),
            mounted,
            "IsDestinationMounted({path:?})"
        );
    }
}

#[test]
fn tmpfs_mounts() {
    let mut c = Container::new_base("abc");
    c.host_config.tmpfs.insert("/t1".into(), "size=1m".into());
    c.host_config.tmpfs.insert("/a".into(), String::new());
    let mut t2 = point("tmpfs", "/t2", true);
    t2.spec = MountSpec {
        r#type: "tmpfs".into(),
        target: "/t2".into(),
        read_only: true,
        tmpfs_options: Some(TmpfsOptions {
            size_bytes: 4 << 20,
            mode: 0o1777,
        }),
        ..MountSpec::default()
    };
    c.mount_points.insert("/t2".into(), t2);
    c.mount_points
        .insert("/v".into(), point("volume", "/v", true));
    let tmpfs = |dest: &str, data: &str| Mount {
        source: "tmpfs".into(),
        destination: dest.into(),
        data: data.into(),
        ..Mount::default()
    };
    assert_eq!(
        c.tmpfs_mounts(),
        [
            tmpfs("/a", ""),
            tmpfs("/t1", "size=1m"),
            tmpfs("/t2", "ro,mode=1777,size=4m")
        ]
    );
}

#[test]
fn secret_mounts() {
    let mut c = with_root();
    c.secret_references = vec![
        SecretReference {
            file: file("app"),
            secret_id: "s1".into(),
            secret_name: "app".into(),
        },
        SecretReference {
            file: None,
            secret_id: "not-a-file".into(),
            ..SecretReference::default()
        },
        SecretReference {
            file: file("/etc/app/key"),
            secret_id: "s2".into(),
            ..SecretReference::default()
        },
    ];
    c.config_references = vec![
        ConfigReference {
            file: file("app.conf"),
            config_id: "c1".into(),
            ..ConfigReference::default()
        },
        ConfigReference {
            file: None,
            config_id: "credspec".into(),
            ..ConfigReference::default()
        },
    ];
    let secrets = "/var/lib/docker/containers/abc/mounts/secrets";
    let ro = |source: String, destination: &str| Mount {
        source,
        destination: destination.into(),
        writable: false,
        ..Mount::default()
    };
    assert_eq!(
        c.secret_mounts(),
        [
            ro(format!("{secrets}/s1"), "/run/secrets/app"),
            ro(format!("{secrets}/s2"), "/etc/app/key"),
            ro(format!("{secrets}/c1"), "/app.conf"),
        ]
    );
    assert!(Container::new_base("x").secret_mounts().is_empty());
}

#[test]
fn network_mounts() {
    let mut c = with_root();
    c.resolv_conf_path = "/root/resolv.conf".into();
    c.hostname_path = "/root/hostname".into();
    c.hosts_path = "/root/hosts".into();
    let all = |_: &str| true;
    let dests = |ms: &[Mount]| {
        ms.iter()
            .map(|m| (m.destination.clone(), m.writable))
            .collect::<Vec<_>>()
    };
    let got = c.network_mounts(all);
    assert_eq!(
        dests(&got),
        [
            ("/etc/resolv.conf".to_owned(), true),
            ("/etc/hostname".to_owned(), true),
            ("/etc/hosts".to_owned(), true)
        ]
    );
    assert_eq!(got[0].source, "/root/resolv.conf");
    assert!(got.iter().all(|m| m.propagation == "rprivate"));

    // A file that is not there is skipped.
    let got = c.network_mounts(|p| p != "/root/hostname");
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].destination, "/etc/hosts");

    // A read-only root makes them read-only, unless a user's mount point says otherwise.
    c.host_config.readonly_rootfs = true;
    c.mount_points
        .insert("/etc/hosts".into(), point("bind", "/etc/hosts", true));
    assert_eq!(
        dests(&c.network_mounts(all)),
        [
            ("/etc/resolv.conf".to_owned(), false),
            ("/etc/hostname".to_owned(), false),
            ("/etc/hosts".to_owned(), true)
        ]
    );

    // Unset paths give nothing.
    c.resolv_conf_path.clear();
    c.hostname_path.clear();
    c.hosts_path.clear();
    assert!(c.network_mounts(all).is_empty());
}

#[test]
fn ipc_mounts() {
    let mut c = with_root();
    assert!(c.ipc_mounts().is_empty(), "no shm path");
    c.shm_path = "/root/mounts/shm".into();
    assert_eq!(
        c.ipc_mounts(),
        [Mount {
            source: "/root/mounts/shm".into(),
            destination: "/dev/shm".into(),
            writable: true,
            propagation: "rprivate".into(),
            ..Mount::default()
        }]
    );
    c.host_config.tmpfs.insert("/dev/shm".into(), String::new());
    assert!(c.ipc_mounts().is_empty(), "the user mounts /dev/shm");
}

#[test]
fn try_set_network_mount() {
    let mut c = Container::new_base("abc");
    let cases = [
        ("/etc/resolv.conf", true),
        ("/etc/hostname", true),
        ("/etc/hosts", true),
        ("/etc/passwd", false),
        ("/etc/hosts/", false),
    ];
    for (dest, want) in cases {
        assert_eq!(
            c.try_set_network_mount(dest, &format!("/h{dest}")),
            want,
            "{dest}"
        );
    }
    assert_eq!(c.resolv_conf_path, "/h/etc/resolv.conf");
    assert_eq!(c.hostname_path, "/h/etc/hostname");
    assert_eq!(c.hosts_path, "/h/etc/hosts");
}

/// An anonymous volume has no stored source: inspect shows the volume's path, the list nothing.
#[test]
fn add_mount_point_with_volume() {
    let mut c = Container::new_base("abc");
    c.add_mount_point_with_volume("/v", "0123abcd", "local", "/vols/0123abcd/_data", true);
    let m = &c.mount_points["/v"];
    assert_eq!(
        (m.r#type.as_str(), m.source.as_str(), m.path()),
        ("volume", "", "/vols/0123abcd/_data")
    );
    assert!(c.is_destination_mounted("/v"));
    assert_eq!(c.get_mount_points()[0].source, "/vols/0123abcd/_data");
    assert_eq!(c.list_mount_points()[0].source, "");
    assert_eq!(c.get_mount_points()[0].name, "0123abcd");
}

/// The mode is kept on disk, under the reference's old name `Relabel`; the volume's path is not.
#[test]
fn mount_point_on_disk() {
    let mut m = point("bind", "/b", false);
    m.source = "/h".into();
    m.mode = "ro".into();
    m.volume_path = "/not/saved".into();
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(json["Relabel"], "ro");
    assert!(json.get("VolumePath").is_none() && json.get("Spec").is_none());
    let back: MountPoint = serde_json::from_value(json).unwrap();
    assert_eq!(back.mode, "ro");
    assert_eq!(back.volume_path, "");
}

const VOLUMES: &str = "/d/root/volumes";

fn mount(kind: &str, source: &str, destination: &str, mode: &str, rw: bool) -> MountSummary {
    MountSummary {
        r#type: kind.into(),
        source: source.into(),
        destination: destination.into(),
        mode: mode.into(),
        rw,
        propagation: if kind == "bind" {
            "rprivate".into()
        } else {
            String::new()
        },
        ..MountSummary::default()
    }
}

/// A local volume as inspect shows it: its source is where the volume lives.
fn volume(name: &str, destination: &str, mode: &str, rw: bool) -> MountSummary {
    MountSummary {
        name: name.into(),
        driver: "local".into(),
        ..mount(
            "volume",
            &format!("{VOLUMES}/{name}/_data"),
            destination,
            mode,
            rw,
        )
    }
}

/// As the list shows an anonymous volume: with no source.
fn sourceless(m: MountSummary) -> MountSummary {
    MountSummary {
        source: String::new(),
        ..m
    }
}

/// The list's mounts as a real engine (Docker 20.10) gave them, against its inspect document of
/// the same container: `docker create -v /h1:/b1:ro -v vol1:/v1 --mount
/// type=bind,src=/h2,dst=/b2,readonly --mount type=volume,src=vol2,dst=/v2,readonly -v /v3
/// --mount type=tmpfs,dst=/t2`. Only the anonymous volume (`-v /v3`) loses its source in the
/// list; modes are the inspect document's (`ro` for `-v …:ro`, empty for `--mount …,readonly`,
/// `z` for named local volumes). In destination order, as the list gave them.
#[test]
fn list_mounts_are_the_engines() {
    let anon = "63f43a03240303e0ea3423817cdf12f9b610fcdb2a324bf9e7e18753e49a9c4a";
    let inspect_mounts = vec![
        volume("vol1", "/v1", "z", true),
        mount("bind", "/d/h2", "/b2", "", false),
        volume("vol2", "/v2", "z", false),
        mount("tmpfs", "", "/t2", "", true),
        volume(anon, "/v3", "", true),
        mount("bind", "/d/h1", "/b1", "ro", false),
    ];
    let mut doc = ContainerInspect {
        id: "m1".into(),
        mounts: inspect_mounts.clone(),
        ..ContainerInspect::default()
    };
    doc.config
        .volumes
        .get_or_insert_default()
        .insert("/v3".into(), serde_json::json!({}));
    doc.host_config.binds = Some(vec!["/d/h1:/b1:ro".into(), "vol1:/v1".into()]);

    let c = doc.to_container();
    let list = summarize(&c, vec!["/m1".into()], Time::from_unix_secs(0)).mounts;
    assert_eq!(
        list,
        [
            mount("bind", "/d/h1", "/b1", "ro", false),
            mount("bind", "/d/h2", "/b2", "", false),
            mount("tmpfs", "", "/t2", "", true),
            volume("vol1", "/v1", "z", true),
            volume("vol2", "/v2", "z", false),
            sourceless(volume(anon, "/v3", "", true)),
        ]
    );

    // The inspect document berth gives back is the engine's, in destination order.
    let mut want = inspect_mounts;
    want.sort_by(|a, b| a.destination.cmp(&b.destination));
    assert_eq!(ContainerInspect::of(&c).mounts, want);
}

/// An image's `VOLUME /data` taken by `-v named:/data` keeps its source; its other `VOLUME`
/// is anonymous (the engine's answer for such a container).
#[test]
fn list_mounts_named_volume_over_an_image_volume() {
    let anon = "0128cb24cc04306016f2766e78aef7fb069edc87a399b76da3f0444be5954071";
    let mut doc = ContainerInspect {
        id: "m2".into(),
        mounts: vec![
            volume("named", "/data", "z", true),
            volume(anon, "/other", "", true),
        ],
        ..ContainerInspect::default()
    };
    for v in ["/data", "/other"] {
        doc.config
            .volumes
            .get_or_insert_default()
            .insert(v.into(), serde_json::json!({}));
    }
    doc.host_config.binds = Some(vec!["named:/data".into()]);
    let list = summarize(&doc.to_container(), vec![], Time::from_unix_secs(0)).mounts;
    assert_eq!(
        list,
        [
            volume("named", "/data", "z", true),
            sourceless(volume(anon, "/other", "", true)),
        ]
    );
}

/// The mounts a real Engine 20.10 gave two containers (`testdata/engine/mounts.json`, recorded
/// by `scripts/record-engine.sh mounts`): read-only and read-write binds, named, anonymous and
/// image volumes, a tmpfs (in neither list), and a named volume over an image's volume.
const RECORDED_MOUNTS: &str = include_str!("../../testdata/engine/mounts.json");

/// The engine orders mounts as Go's map iteration falls; berth by destination.
fn by_destination(mut mounts: Vec<MountSummary>) -> Vec<MountSummary> {
    mounts.sort_by(|a, b| a.destination.cmp(&b.destination));
    mounts
}

/// From the engine's inspect document alone, berth's list entry equals the engine's, field by
/// field (status aside, which depends on the moment), and its inspect document gives back the
/// engine's mounts.
#[test]
fn recorded_mounts_are_the_engines_in_list_and_inspect() {
    let raw: serde_json::Value = serde_json::from_str(RECORDED_MOUNTS).unwrap();
    let recorded = raw["containers"].as_array().unwrap();
    assert_eq!(recorded.len(), 2);
    let mut kinds = std::collections::BTreeSet::new();
    for case in recorded {
        let name = case["name"].as_str().unwrap();
        let doc: ContainerInspect = serde_json::from_value(case["inspect"].clone()).unwrap();
        let engine_list: berth_core::api::ContainerSummary =
            serde_json::from_value(case["list"].clone()).unwrap();
        let c = doc.to_container();

        let mut ours = summarize(&c, engine_list.names.clone(), Time::from_unix_secs(0));
        ours.status = engine_list.status.clone();
        ours.mounts = by_destination(ours.mounts);
        let mut theirs = engine_list.clone();
        theirs.mounts = by_destination(theirs.mounts);
        assert_eq!(ours, theirs, "{name}: the list entry");

        assert_eq!(
            by_destination(ContainerInspect::of(&c).mounts),
            by_destination(doc.mounts.clone()),
            "{name}: the inspect document's mounts"
        );
        for m in &theirs.mounts {
            kinds.insert((m.r#type.clone(), m.mode.clone(), m.source.is_empty()));
        }
    }
    // What the recording covers: a sourceless anonymous volume, a named one with its source
    // and mode z, a read-only bind with mode ro and a read-write one.
    for kind in [
        ("volume", "", true),
        ("volume", "z", false),
        ("bind", "ro", false),
        ("bind", "", false),
    ] {
        assert!(
            kinds.contains(&(kind.0.to_owned(), kind.1.to_owned(), kind.2)),
            "no {kind:?} in the recording: {kinds:?}"
        );
    }
}
