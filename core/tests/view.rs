//! Specification of the `ViewDB`, its `View` and `Snapshot`: the reference's
//! `container/view_test.go` ported by name, plus the prefix errors, snapshot isolation and the
//! snapshot's `docker ps` fields from SEMANTICS.md.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use berth_core::container::{HealthConfig, PortBinding};
use berth_core::view::Change;
use berth_core::{
    Container, ErrorKind, HasKind, Health, HealthStatus, Time, View, ViewDb, ViewError,
};

fn now() -> Time {
    Time::from_unix_secs(1_700_000_000)
}

/// The reference's `newContainer`: a base container with a fresh ID and an empty host config.
fn new_container(n: u32) -> Container {
    Container::new_base(format!("{n:08x}-0000-4000-8000-{n:012x}"))
}

fn get_id_err(view: &View, name: &str) -> ViewError {
    view.get_id(name)
        .expect_err("the name should not be reserved")
}

/// Ports `TestViewSaveDelete`.
#[test]
fn test_view_save_delete() {
    let mut db = ViewDb::new();
    let c = new_container(1);
    c.checkpoint_to(&mut db, now()).unwrap();
    assert_eq!(db.len(), 1);
    db.delete(&c).unwrap();
    assert!(db.is_empty());
    assert!(db.snapshot().get(&c.id).is_err());
}

/// Ports `TestViewAll`.
#[test]
fn test_view_all() {
    let mut db = ViewDb::new();
    let mut one = new_container(1);
    let mut two = new_container(2);
    one.state.pid = 10;
    one.checkpoint_to(&mut db, now()).unwrap();
    two.state.pid = 20;
    two.checkpoint_to(&mut db, now()).unwrap();

    let all = db.snapshot().all();
    assert_eq!(all.len(), 2);
    let pid_of = |id: &str| all.iter().find(|s| s.id() == id).map(|s| s.pid);
    assert_eq!(pid_of(&one.id), Some(10));
    assert_eq!(pid_of(&two.id), Some(20));
}

/// Ports `TestViewGet`.
#[test]
fn test_view_get() {
    let mut db = ViewDb::new();
    let mut one = new_container(1);
    one.image_id = "some-image-123".into();
    one.checkpoint_to(&mut db, now()).unwrap();
    let s = db.snapshot().get(&one.id).unwrap();
    assert_eq!(s.summary.image_id, "some-image-123");
}

/// Ports `TestNames`.
#[test]
fn test_names() {
    let mut db = ViewDb::new();
    db.reserve_name("name1", "containerid1").unwrap();
    db.reserve_name("name1", "containerid1").unwrap(); // idempotent
    db.reserve_name("name2", "containerid2").unwrap();

    let err = db.reserve_name("name2", "containerid3").unwrap_err();
    assert_eq!(err, ViewError::NameReserved);
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(err.to_string(), "name is reserved");

    // Releasing a name allows the name to point to something else later.
    db.release_name("name2").unwrap();
    db.reserve_name("name2", "containerid3").unwrap();

    let view = db.snapshot();
    assert_eq!(view.get_id("name1").as_deref(), Ok("containerid1"));
    assert_eq!(view.get_id("name2").as_deref(), Ok("containerid3"));
    let err = get_id_err(&view, "notreserved");
    assert_eq!(err, ViewError::NameNotReserved);
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.to_string(), "name is not reserved");

    // Releasing and re-reserving a name doesn't affect the snapshot.
    db.release_name("name2").unwrap();
    db.reserve_name("name2", "containerid4").unwrap();
    assert_eq!(view.get_id("name1").as_deref(), Ok("containerid1"));
    assert_eq!(view.get_id("name2").as_deref(), Ok("containerid3"));

    assert_eq!(
        view.get_all_names(),
        names_map(&[("containerid1", &["name1"]), ("containerid3", &["name2"])])
    );

    db.reserve_name("name3", "containerid1").unwrap();
    db.reserve_name("name4", "containerid1").unwrap();
    let view = db.snapshot();
    assert_eq!(
        view.get_all_names(),
        names_map(&[
            ("containerid1", &["name1", "name3", "name4"]),
            ("containerid4", &["name2"]),
        ])
    );

    // Release containerid1's names with Delete even though no container exists.
    db.delete(&Container::new_base("containerid1")).unwrap();

    // Reusing one of those names should work.
    db.reserve_name("name1", "containerid4").unwrap();
    assert_eq!(
        db.snapshot().get_all_names(),
        names_map(&[("containerid4", &["name1", "name2"])])
    );
}

fn names_map(entries: &[(&str, &[&str])]) -> std::collections::BTreeMap<String, Vec<String>> {
    entries
        .iter()
        .map(|(id, names)| {
            (
                (*id).to_owned(),
                names.iter().map(|n| (*n).to_owned()).collect(),
            )
        })
        .collect()
}

#[test]
fn release_of_an_unreserved_name_is_not_found_and_changes_nothing() {
    let mut db = ViewDb::new();
    db.reserve_name("/web", "abc").unwrap();
    let before = db.snapshot().get_all_names();
    let err = db.release_name("/db").unwrap_err();
    assert_eq!(err, ViewError::ReleaseNotFound);
    assert_eq!(err.to_string(), "not found");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(db.snapshot().get_all_names(), before);
    // Releasing twice: the second fails.
    db.release_name("/web").unwrap();
    assert_eq!(db.release_name("/web"), Err(ViewError::ReleaseNotFound));
    assert!(db.snapshot().get_all_names().is_empty());
}

/// Ports `TestViewWithHealthCheck` (moby issue 35920): the snapshot carries the health status.
#[test]
fn test_view_with_health_check() {
    let mut db = ViewDb::new();
    let mut one = new_container(1);
    one.state.health = Some(Health {
        status: "starting".into(),
        ..Health::default()
    });
    one.checkpoint_to(&mut db, now()).unwrap();
    let s = db.snapshot().get(&one.id).unwrap();
    assert_eq!(s.health, HealthStatus::Starting);

    let plain = new_container(2);
    plain.checkpoint_to(&mut db, now()).unwrap();
    assert_eq!(
        db.snapshot().get(&plain.id).unwrap().health,
        HealthStatus::None
    );
}

fn assert_index_get(db: &ViewDb, input: &str, want: Result<&str, ViewError>) {
    let got = db.get_by_prefix(input);
    assert_eq!(
        got.as_deref().map_err(Clone::clone),
        want,
        "GetByPrefix({input:?})"
    );
    // A snapshot answers the same.
    let from_view = db.snapshot().get_by_prefix(input);
    assert_eq!(from_view, got, "View::get_by_prefix({input:?})");
}

fn no_such(prefix: &str) -> ViewError {
    ViewError::NoSuchContainer(prefix.to_owned())
}

fn ambiguous(prefix: &str) -> ViewError {
    ViewError::AmbiguousPrefix(prefix.to_owned())
}

/// Ports `TestTruncIndex`, with the reference's errors in full.
#[test]
fn test_trunc_index() {
    let mut db = ViewDb::new();
    // Get on an empty index.
    assert_index_get(&db, "foobar", Err(no_such("foobar")));

    let id = "99b36c2c326ccc11e726eee6ee78a0baf166ef96";
    db.save(&Container::new_base(id), now()).unwrap();
    let half = id.len() / 2;
    for (input, want) in [
        ("abracadabra", Err(no_such("abracadabra"))), // a non-existing ID
        ("", Err(ViewError::EmptyPrefix)),            // an empty ID
        (id, Ok(id)),                                 // the exact ID
        (&id[..1], Ok(id)),                           // the first letter
        (&id[..half], Ok(id)),                        // the first half
        (&id[half..], Err(no_such(&id[half..]))),     // the second half must not match
    ] {
        assert_index_get(&db, input, want);
    }

    let id2 = format!("{}blabla", &id[..6]);
    db.save(&Container::new_base(id2.clone()), now()).unwrap();
    for (input, want) in [
        (id, Ok(id)),
        (id2.as_str(), Ok(id2.as_str())),
        (&id[..6], Err(ambiguous(&id[..6]))),
        (&id[..4], Err(ambiguous(&id[..4]))),
        (&id[..1], Err(ambiguous(&id[..1]))),
        (&id[..7], Ok(id)),
        (&id2[..7], Ok(id2.as_str())),
    ] {
        assert_index_get(&db, input, want);
    }

    // Deleting id2 removes the conflicts.
    db.delete(&Container::new_base(id2.clone())).unwrap();
    for (input, want) in [
        (id2.as_str(), Err(no_such(&id2))),
        (&id2[..7], Err(no_such(&id2[..7]))),
        (&id2[..11], Err(no_such(&id2[..11]))),
        (&id[..6], Ok(id)),
        (&id[..4], Ok(id)),
        (&id[..1], Ok(id)),
        (&id[..7], Ok(id)),
        (&id[..15], Ok(id)),
        (id, Ok(id)),
    ] {
        assert_index_get(&db, input, want);
    }
}

#[test]
fn prefix_errors_have_the_reference_messages_and_kinds() {
    let mut db = ViewDb::new();
    for id in ["abc", "abcd", "b12"] {
        db.save(&Container::new_base(id), now()).unwrap();
    }
    // An exact ID that is also a prefix of another is still ambiguous, as in the reference.
    let err = db.get_by_prefix("abc").unwrap_err();
    assert_eq!(
        err.to_string(),
        "multiple IDs found with provided prefix: abc"
    );
    assert_eq!(err.kind(), ErrorKind::InvalidParameter);
    let err = db.get_by_prefix("").unwrap_err();
    assert_eq!(err.to_string(), "prefix can't be empty");
    assert_eq!(err.kind(), ErrorKind::InvalidParameter);
    let err = db.get_by_prefix("c").unwrap_err();
    assert_eq!(err.to_string(), "No such container: c");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(db.get_by_prefix("abcd").as_deref(), Ok("abcd"));
    assert_eq!(db.get_by_prefix("b").as_deref(), Ok("b12"));
    // A prefix sorting between two IDs that share its start.
    assert_eq!(
        db.get_by_prefix("ab").unwrap_err(),
        ViewError::AmbiguousPrefix("ab".into())
    );
    // Longer than any ID.
    assert_eq!(
        db.get_by_prefix("abcde").unwrap_err(),
        ViewError::NoSuchContainer("abcde".into())
    );
}

#[test]
fn view_get_of_a_missing_id() {
    let db = ViewDb::new();
    let err = db.snapshot().get("nope").unwrap_err();
    assert_eq!(err, ViewError::NoSuchContainer("nope".into()));
    assert_eq!(err.to_string(), "No such container: nope");
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn a_snapshot_never_sees_later_writes() {
    let mut db = ViewDb::new();
    let mut a = new_container(1);
    a.checkpoint_to(&mut db, now()).unwrap();
    db.reserve_name("/a", &a.id).unwrap();
    let before = db.snapshot();

    a.state.pid = 99;
    a.state.running = true;
    a.checkpoint_to(&mut db, now()).unwrap();
    let b = new_container(2);
    b.checkpoint_to(&mut db, now()).unwrap();
    db.reserve_name("/b", &b.id).unwrap();
    db.release_name("/a").unwrap();

    assert_eq!(before.len(), 1);
    assert_eq!(before.get(&a.id).unwrap().pid, 0);
    assert!(before.get(&b.id).is_err());
    assert_eq!(before.get_id("/a").as_deref(), Ok(a.id.as_str()));
    assert!(before.get_id("/b").is_err());

    let after = db.snapshot();
    assert_eq!(after.len(), 2);
    assert_eq!(after.get(&a.id).unwrap().pid, 99);
    assert!(after.get_id("/a").is_err());

    // Deleting keeps earlier snapshots whole too.
    db.delete(&b).unwrap();
    assert_eq!(after.get(&b.id).unwrap().id(), b.id);
    assert_eq!(after.get_id("/b").as_deref(), Ok(b.id.as_str()));
    assert!(
        db.snapshot().get_id("/b").is_err(),
        "delete releases the names"
    );
}

#[test]
fn all_is_ordered_by_id_and_save_replaces() {
    let mut db = ViewDb::new();
    for id in ["c3", "a1", "b2"] {
        db.save(&Container::new_base(id), now()).unwrap();
    }
    let mut again = Container::new_base("a1");
    again.state.exit_code = 5;
    db.save(&again, now()).unwrap();
    let view = db.snapshot();
    let ids: Vec<&str> = view.iter().map(|s| s.id()).collect();
    assert_eq!(ids, ["a1", "b2", "c3"]);
    assert_eq!(view.all().len(), 3);
    assert_eq!(view.get("a1").unwrap().exit_code, 5);
    assert!(!view.is_empty());
    assert!(View::default().is_empty());
}

#[test]
fn delete_of_an_unknown_container_is_not_an_error() {
    let mut db = ViewDb::new();
    db.delete(&Container::new_base("ghost")).unwrap();
    db.delete_id("ghost");
    assert!(db.is_empty());
}

#[test]
fn snapshot_holds_what_docker_ps_needs() {
    let mut db = ViewDb::new();
    let mut c = Container::new_base("f".repeat(64));
    c.name = "/web".into();
    c.created = Time::parse("2024-03-04T05:06:07.123456789Z").unwrap();
    c.path = "sh".into();
    c.args = vec!["-c".into(), "sleep 1000".into()];
    c.config.image = "nginx:latest".into();
    c.config.labels.insert("tier".into(), "front".into());
    c.config
        .exposed_ports
        .insert("80/tcp".into(), serde_json::json!({}));
    c.config.healthcheck = Some(HealthConfig {
        test: vec!["CMD".into(), "true".into()],
        ..HealthConfig::default()
    });
    c.image_id = "sha256:abc".into();
    c.host_config.network_mode = "bridge".into();
    c.host_config.port_bindings.insert(
        "80/tcp".into(),
        Some(vec![PortBinding {
            host_ip: "0.0.0.0".into(),
            host_port: "8080".into(),
        }]),
    );
    c.network_settings.ports.insert(
        "80/tcp".into(),
        Some(vec![PortBinding {
            host_ip: "0.0.0.0".into(),
            host_port: "8080".into(),
        }]),
    );
    c.network_settings.ports.insert("443/tcp".into(), None);
    let started = Time::parse("2024-03-04T05:06:10Z").unwrap();
    c.state.set_running(321, true, started);
    c.state.health = Some(Health::starting());
    db.reserve_name("/web", &c.id).unwrap();
    db.reserve_name("/alias", &c.id).unwrap();
    let at = started.add(berth_core::Duration::from_secs(125));
    c.checkpoint_to(&mut db, at).unwrap();

    let s = db.snapshot().get(&c.id).unwrap();
    assert_eq!(s.summary.names, ["/alias", "/web"]);
    assert_eq!(s.summary.command, "sh -c 'sleep 1000'");
    assert_eq!(s.summary.image, "nginx:latest");
    assert_eq!(s.summary.image_id, "sha256:abc");
    assert_eq!(s.summary.created, c.created.unix_secs());
    assert_eq!(s.summary.state, "running");
    assert_eq!(s.summary.status, "Up 2 minutes (health: starting)");
    assert_eq!(s.summary.host_config.network_mode, "bridge");
    assert_eq!(
        s.summary.labels.get("tier").map(String::as_str),
        Some("front")
    );
    assert_eq!(s.summary.ports.len(), 2);
    assert!(s
        .summary
        .ports
        .iter()
        .any(|p| p.private_port == 80 && p.public_port == 8080 && p.ip == "0.0.0.0"));
    assert!(s
        .summary
        .ports
        .iter()
        .any(|p| p.private_port == 443 && p.public_port == 0));
    assert_eq!(s.created_at, c.created);
    assert_eq!(s.started_at, started);
    assert_eq!(s.name, "/web");
    assert_eq!(s.pid, 321);
    assert!(s.running && !s.paused);
    assert_eq!(s.exposed_ports, ["80/tcp"]);
    assert_eq!(s.port_bindings, ["80/tcp"]);
    assert_eq!(s.health, HealthStatus::Starting);
    // The stored status is from save time; the snapshot renders any other time on demand.
    let later = at.add(berth_core::Duration::from_secs(3 * 3600));
    assert_eq!(s.status_at(later), "Up 3 hours (health: starting)");
    assert_eq!(s.summary_at(later).status, "Up 3 hours (health: starting)");
    assert_eq!(s.summary.status, "Up 2 minutes (health: starting)");

    let json = serde_json::to_value(&*s).unwrap();
    assert_eq!(json["Id"], c.id);
    assert_eq!(json["Health"], "starting");
    assert_eq!(json["CreatedAt"], "2024-03-04T05:06:07.123456789Z");
    assert_eq!(json["Names"], serde_json::json!(["/alias", "/web"]));
}

#[test]
fn names_are_never_null() {
    let mut db = ViewDb::new();
    let c = new_container(7);
    c.checkpoint_to(&mut db, now()).unwrap();
    let s = db.snapshot().get(&c.id).unwrap();
    assert!(s.summary.names.is_empty());
    let json = serde_json::to_value(&*s).unwrap();
    assert_eq!(json["Names"], serde_json::json!([]));
    assert_eq!(json["Health"], "none");
    assert_eq!(json["State"], "created");
    assert_eq!(json["Status"], "Created");
}

#[test]
fn resolve_finds_by_id_then_name_then_prefix() {
    let mut db = ViewDb::new();
    let a = Container::new_base("aaaa1111");
    let b = Container::new_base("aaaa2222");
    a.checkpoint_to(&mut db, now()).unwrap();
    b.checkpoint_to(&mut db, now()).unwrap();
    db.reserve_name("/web", &a.id).unwrap();
    // A name that looks like the other's ID prefix: the name wins.
    db.reserve_name("/aaaa2", &a.id).unwrap();
    let v = db.snapshot();
    assert_eq!(v.resolve("aaaa1111").unwrap().id(), "aaaa1111");
    assert_eq!(v.resolve("web").unwrap().id(), "aaaa1111");
    assert_eq!(v.resolve("/web").unwrap().id(), "aaaa1111");
    assert_eq!(v.resolve("aaaa2").unwrap().id(), "aaaa1111");
    assert_eq!(v.resolve("aaaa22").unwrap().id(), "aaaa2222");
    assert_eq!(
        v.resolve("aaaa").unwrap_err(),
        ViewError::AmbiguousPrefix("aaaa".into())
    );
    assert_eq!(
        v.resolve("zzz").unwrap_err(),
        ViewError::NoSuchContainer("zzz".into())
    );
    assert_eq!(
        v.resolve("").unwrap_err(),
        ViewError::NoSuchContainer(String::new())
    );
}

#[test]
fn diff_reports_what_changed_between_views() {
    let mut db = ViewDb::new();
    let mut a = Container::new_base("a");
    let b = Container::new_base("b");
    let c = Container::new_base("c");
    for x in [&a, &b, &c] {
        x.checkpoint_to(&mut db, now()).unwrap();
    }
    let older = db.snapshot();
    assert!(db.snapshot().diff(&older).is_empty(), "no change, no diff");

    a.state.exit_code = 3;
    a.checkpoint_to(&mut db, now()).unwrap();
    db.delete(&b).unwrap();
    let d = Container::new_base("d");
    d.checkpoint_to(&mut db, now()).unwrap();
    let newer = db.snapshot();

    let changes = newer.diff(&older);
    assert_eq!(changes.len(), 3);
    let mut seen = Vec::new();
    for ch in &changes {
        match ch {
            Change::Updated(s) => {
                assert_eq!(s.exit_code, 3);
                seen.push(format!("updated {}", s.id()));
            }
            Change::Added(s) => seen.push(format!("added {}", s.id())),
            Change::Removed(id) => seen.push(format!("removed {id}")),
        }
    }
    seen.sort();
    assert_eq!(seen, ["added d", "removed b", "updated a"]);
}
