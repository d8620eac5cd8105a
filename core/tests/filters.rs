//! `docker ps` filters over a view: every key matching and not matching, the OR/AND rules, every
//! error in the engine's words, both JSON forms, the dashboard's free text, `all` and `limit`.
//! Cases follow moby's `daemon/list_test.go` (`TestListInvalidFilter`, `TestNameFilter`) and the
//! `docker ps` filter tests of `integration-cli/docker_cli_ps_test.go`.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::collections::BTreeMap;

use berth_core::container::{EndpointSettings, MountPoint, PortBinding};
use berth_core::filters::{list, FilterError, Filters, ListOptions};
use berth_core::{
    Container, ErrorKind, ExitStatus, HasKind, Health, HealthStatus, Time, View, ViewDb,
};

const NOW: i64 = 1_700_000_000;
const BUSYBOX_ID: &str = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
const NGINX_ID: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const POSTGRES_ID: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

fn at(secs: i64) -> Time {
    Time::from_unix_secs(secs)
}

/// A created container named `/name`, created at `created`, from busybox.
fn base(id: &str, name: &str, created: i64) -> Container {
    let mut c = Container::new_base(id);
    c.name = format!("/{name}");
    c.created = at(created);
    c.config.image = "busybox".to_owned();
    c.image_id = BUSYBOX_ID.to_owned();
    c.os = "linux".to_owned();
    c
}

fn start(c: &mut Container) {
    let started = c.created.add(berth_core::Duration(1_000_000_000));
    c.state.set_running(4242, true, started);
}

fn stop(c: &mut Container, code: i64) {
    start(c);
    c.state
        .set_stopped(ExitStatus::new(code, at(NOW - 10)), at(NOW - 10));
}

fn health(status: HealthStatus) -> Option<Health> {
    let mut h = Health::starting();
    h.set_status(status);
    Some(h)
}

fn endpoint(id: &str) -> Option<EndpointSettings> {
    Some(EndpointSettings {
        network_id: id.to_owned(),
        ..EndpointSettings::default()
    })
}

/// The view every case runs on. Newest first:
///
/// | name      | ID     | created | state                     | notes                                   |
/// |-----------|--------|---------|---------------------------|-----------------------------------------|
/// | winbox    | aa22…  | 700     | running                   | windows, isolation HyperV               |
/// | restarter | f6…    | 600     | restarting (exit 3)       | health starting                         |
/// | paused    | e5…    | 500     | paused                    | a swarm task (Managed)                  |
/// | fresh     | d4…    | 400     | created                   | image `docker.io/library/busybox`       |
/// | job       | c3…    | 300     | exited (3)                |                                         |
/// | db        | b2…    | 200     | exited (0)                | labels app=db; postgres; 5432 unbound   |
/// | web       | aa11…  | 100     | running                   | labels app=web tier=front; nginx:1.25;  |
/// |           |        |         |                           | 80→8080; frontend; volume data; healthy |
/// | deadone   | 07…    | 50      | dead                      | created from busybox's image ID         |
fn fixture() -> View {
    let mut db = ViewDb::new();
    let mut all = Vec::new();

    let mut web = base("aa11", "web", 100);
    web.config.image = "nginx:1.25".to_owned();
    web.image_id = NGINX_ID.to_owned();
    web.config.labels = BTreeMap::from([
        ("app".to_owned(), "web".to_owned()),
        ("tier".to_owned(), "front".to_owned()),
    ]);
    web.network_settings
        .networks
        .insert("frontend".to_owned(), endpoint("f00dcafe"));
    web.network_settings.ports.insert(
        "80/tcp".to_owned(),
        Some(vec![PortBinding {
            host_ip: "0.0.0.0".to_owned(),
            host_port: "8080".to_owned(),
        }]),
    );
    web.mount_points.insert(
        "/data".to_owned(),
        MountPoint {
            r#type: "volume".to_owned(),
            name: "data".to_owned(),
            source: "/var/lib/docker/volumes/data/_data".to_owned(),
            destination: "/data".to_owned(),
            ..MountPoint::default()
        },
    );
    start(&mut web);
    web.state.health = health(HealthStatus::Healthy);
    all.push(web);

    let mut dbc = base("b2", "db", 200);
    dbc.config.image = "postgres".to_owned();
    dbc.image_id = POSTGRES_ID.to_owned();
    dbc.config.labels = BTreeMap::from([("app".to_owned(), "db".to_owned())]);
    dbc.network_settings
        .networks
        .insert("backend".to_owned(), endpoint("bacc"));
    dbc.network_settings
        .networks
        .insert("gone".to_owned(), None);
    dbc.network_settings
        .ports
        .insert("5432/tcp".to_owned(), None);
    dbc.mount_points.insert(
        "/var/lib/postgresql".to_owned(),
        MountPoint {
            r#type: "bind".to_owned(),
            source: "/srv/pg".to_owned(),
            destination: "/var/lib/postgresql".to_owned(),
            ..MountPoint::default()
        },
    );
    stop(&mut dbc, 0);
    all.push(dbc);

    let mut job = base("c3", "job", 300);
    stop(&mut job, 3);
    all.push(job);

    let mut fresh = base("d4", "fresh", 400);
    fresh.config.image = "docker.io/library/busybox".to_owned();
    all.push(fresh);

    let mut paused = base("e5", "paused", 500);
    paused.managed = true;
    start(&mut paused);
    paused.state.set_paused();
    all.push(paused);

    let mut restarter = base("f6", "restarter", 600);
    start(&mut restarter);
    restarter
        .state
        .set_restarting(ExitStatus::new(3, at(NOW - 5)), at(NOW - 5));
    restarter.state.health = health(HealthStatus::Starting);
    all.push(restarter);

    let mut winbox = base("aa22", "winbox", 700);
    winbox.os = "windows".to_owned();
    winbox.host_config.isolation = "HyperV".to_owned();
    start(&mut winbox);
    all.push(winbox);

    let mut dead = base("07", "deadone", 50);
    dead.config.image = BUSYBOX_ID.to_owned();
    stop(&mut dead, 137);
    dead.state.set_dead();
    all.push(dead);

    for c in &all {
        db.reserve_name(&c.name, &c.id).unwrap();
        db.save(c, at(NOW)).unwrap();
    }
    db.snapshot()
}

/// The names `docker ps [-a] --filter …` lists, in order.
fn ps(view: &View, filters: Filters, all: bool) -> Vec<String> {
    let opts = ListOptions {
        all,
        limit: None,
        filters,
    };
    names(&list(view, &opts).unwrap())
}

fn names(snaps: &[std::sync::Arc<berth_core::Snapshot>]) -> Vec<String> {
    snaps
        .iter()
        .map(|s| s.name.trim_start_matches('/').to_owned())
        .collect()
}

fn cli(s: &str) -> Filters {
    Filters::parse_cli(s).unwrap()
}

fn json(s: &str) -> Filters {
    Filters::from_json(s).unwrap()
}

const EVERYONE: [&str; 8] = [
    "winbox",
    "restarter",
    "paused",
    "fresh",
    "job",
    "db",
    "web",
    "deadone",
];

#[test]
fn no_filter_lists_running_newest_first_and_all_with_a() {
    let view = fixture();
    // Paused and restarting containers are Running.
    assert_eq!(
        ps(&view, Filters::new(), false),
        ["winbox", "restarter", "paused", "web"]
    );
    assert_eq!(ps(&view, Filters::new(), true), EVERYONE);
}

/// (filters as the CLI takes them, `-a`, the names listed).
fn assert_cases(cases: &[(&str, bool, &[&str])]) {
    let view = fixture();
    for (filter, all, want) in cases {
        assert_eq!(
            ps(&view, cli(filter), *all),
            want.to_vec(),
            "docker ps {} --filter {filter}",
            if *all { "-a" } else { "" }
        );
    }
}

#[test]
fn status_is_one_of_the_state_strings_and_implies_all() {
    assert_cases(&[
        ("status=running", false, &["winbox", "web"]),
        ("status=exited", false, &["job", "db"]),
        ("status=created", false, &["fresh"]),
        ("status=paused", false, &["paused"]),
        ("status=restarting", false, &["restarter"]),
        ("status=dead", false, &["deadone"]),
        ("status=removing", true, &[]),
        // Values of one key are ORed.
        (
            "status=running status=paused",
            false,
            &["winbox", "paused", "web"],
        ),
    ]);
}

#[test]
fn exited_wants_a_stopped_container_that_ran() {
    assert_cases(&[
        ("exited=3", true, &["job"]),
        ("exited=0", true, &["db"]),
        ("exited=+3", true, &["job"]),
        ("exited=0 exited=3", true, &["job", "db"]),
        ("exited=137", true, &["deadone"]),
        ("exited=1", true, &[]),
        // It does not imply -a.
        ("exited=3", false, &[]),
    ]);
}

#[test]
fn name_is_a_regexp_with_or_without_the_slash() {
    assert_cases(&[
        ("name=web", true, &["web"]),
        ("name=^w", true, &["winbox", "web"]),
        ("name=^/w", true, &["winbox", "web"]),
        ("name=b$", true, &["job", "db", "web"]),
        ("name=ob name=^d", true, &["job", "db", "deadone"]),
        ("name=nobody", true, &[]),
        // An invalid regexp matches only exactly (the engine skips it).
        ("name=[", true, &[]),
        ("name=web", false, &["web"]),
    ]);
}

#[test]
fn id_is_a_unique_prefix() {
    assert_cases(&[
        ("id=aa1", true, &["web"]),
        ("id=aa11", true, &["web"]),
        ("id=c", true, &["job"]),
        // Two IDs start with `aa`: the engine's prefix lookup fails, so nothing matches.
        ("id=aa", true, &[]),
        ("id=aa id=c3", true, &["job"]),
        ("id=zz", true, &[]),
        // With an ID filter the name must hold too.
        ("id=aa1 name=web", true, &["web"]),
        ("id=aa1 name=db", true, &[]),
    ]);
}

#[test]
fn label_values_must_all_hold() {
    assert_cases(&[
        ("label=app", true, &["db", "web"]),
        ("label=app=web", true, &["web"]),
        ("label=tier", true, &["web"]),
        ("label=app=web label=tier=front", true, &["web"]),
        // Unlike other keys, label values are ANDed.
        ("label=app=web label=app=db", true, &[]),
        ("label=app=", true, &[]),
        ("label=nope", true, &[]),
    ]);
}

#[test]
fn ancestor_resolves_names_and_ids_through_the_view() {
    assert_cases(&[
        // Created as `busybox`, `docker.io/library/busybox` and by busybox's image ID.
        (
            "ancestor=busybox",
            true,
            &["winbox", "restarter", "paused", "fresh", "job", "deadone"],
        ),
        (
            "ancestor=busybox:latest",
            true,
            &["winbox", "restarter", "paused", "fresh", "job", "deadone"],
        ),
        ("ancestor=nginx:1.25", true, &["web"]),
        ("ancestor=docker.io/library/nginx:1.25", true, &["web"]),
        ("ancestor=nginx", true, &[]),
        ("ancestor=1111", true, &["web"]),
        ("ancestor=sha256:2222", true, &["db"]),
        (
            "ancestor=nginx:1.25 ancestor=postgres",
            true,
            &["db", "web"],
        ),
        ("ancestor=nothing:here", true, &[]),
        ("ancestor=Bad/Ref", true, &[]),
    ]);
}

#[test]
fn before_and_since_are_positions_in_the_list() {
    let view = fixture();
    let job_id = view.resolve("job").unwrap().id().to_owned();
    assert_cases(&[
        ("before=job", true, &["db", "web", "deadone"]),
        ("before=/job", true, &["db", "web", "deadone"]),
        (
            "since=job",
            true,
            &["winbox", "restarter", "paused", "fresh"],
        ),
        ("since=job", false, &["winbox", "restarter", "paused"]),
        ("before=fresh since=web", true, &["job", "db"]),
        // A `since` newer than the `before` is never reached: it does nothing.
        ("before=db since=fresh", true, &["web", "deadone"]),
        // Only the candidates of a name filter are walked: a `before` outside them is never
        // reached, and a `since` outside them never stops the walk.
        ("name=web before=job", true, &[]),
        ("name=web since=job", true, &["web"]),
    ]);
    assert_eq!(
        ps(&view, cli(&format!("before={job_id}")), true),
        ["db", "web", "deadone"]
    );
}

#[test]
fn health_is_an_exact_status() {
    assert_cases(&[
        ("health=healthy", false, &["web"]),
        ("health=starting", false, &["restarter"]),
        ("health=none", false, &["winbox", "paused"]),
        ("health=unhealthy", true, &[]),
        (
            "health=healthy health=starting",
            false,
            &["restarter", "web"],
        ),
    ]);
}

#[test]
fn is_task_is_the_managed_flag() {
    assert_cases(&[
        ("is-task=true", true, &["paused"]),
        (
            "is-task=false",
            true,
            &[
                "winbox",
                "restarter",
                "fresh",
                "job",
                "db",
                "web",
                "deadone",
            ],
        ),
        // `true` wins when both are given, as the engine checks it first.
        ("is-task=true is-task=false", true, &["paused"]),
    ]);
}

#[test]
fn isolation_only_filters_windows_containers() {
    let linux_ones = [
        "restarter",
        "paused",
        "fresh",
        "job",
        "db",
        "web",
        "deadone",
    ];
    let mut with_winbox = vec!["winbox"];
    with_winbox.extend(linux_ones);
    assert_cases(&[
        ("isolation=hyperv", true, &with_winbox),
        ("isolation=^hyper", true, &with_winbox),
        ("isolation=process", true, &linux_ones),
        ("isolation=default", true, &linux_ones),
    ]);
}

#[test]
fn publish_and_expose_match_the_list_ports() {
    assert_cases(&[
        ("publish=8080", true, &["web"]),
        ("publish=8080/tcp", true, &["web"]),
        ("publish=8080/udp", true, &[]),
        ("publish=8000-8100", true, &["web"]),
        ("publish=80", true, &[]),
        // An unpublished port reads as published on 0, as in the engine.
        ("publish=0", true, &["db"]),
        ("expose=80", true, &["web"]),
        ("expose=5432/tcp", true, &["db"]),
        ("expose=1-100/tcp", true, &["web"]),
        ("expose=443", true, &[]),
        // Either one matching a port lets the container through.
        ("publish=8080 expose=5432", true, &["db", "web"]),
    ]);
}

#[test]
fn network_is_a_name_or_an_id_prefix() {
    assert_cases(&[
        ("network=frontend", true, &["web"]),
        ("network=f00d", true, &["web"]),
        ("network=bacc", true, &["db"]),
        ("network=back", true, &[]),
        ("network=gone", true, &[]),
        ("network=frontend network=backend", true, &["db", "web"]),
    ]);
}

#[test]
fn volume_is_a_name_a_source_or_a_destination() {
    assert_cases(&[
        ("volume=data", true, &["web"]),
        ("volume=/data", true, &["web"]),
        ("volume=/srv/pg", true, &["db"]),
        ("volume=/var/lib/postgresql", true, &["db"]),
        ("volume=/var/lib/docker/volumes/data/_data", true, &[]),
        ("volume=nothing", true, &[]),
    ]);
}

#[test]
fn different_keys_are_anded() {
    assert_cases(&[
        ("status=running label=app=web", false, &["web"]),
        ("status=exited label=app=web", false, &[]),
        ("label=app exited=0", true, &["db"]),
        ("name=^w health=healthy", false, &["web"]),
        ("ancestor=busybox status=running", false, &["winbox"]),
    ]);
}

#[test]
fn limit_shows_stopped_containers_and_latest_is_limit_one() {
    let view = fixture();
    let run = |all: bool, limit: Option<usize>, filters: Filters| {
        names(
            &list(
                &view,
                &ListOptions {
                    all,
                    limit,
                    filters,
                },
            )
            .unwrap(),
        )
    };
    assert_eq!(
        run(false, Some(5), Filters::new()),
        ["winbox", "restarter", "paused", "fresh", "job"]
    );
    assert_eq!(run(false, Some(1), Filters::new()), ["winbox"]);
    assert_eq!(run(true, Some(100), Filters::new()), EVERYONE);
    // 0 is no limit, as the engine reads it: running ones only.
    assert_eq!(
        run(false, Some(0), Filters::new()),
        ["winbox", "restarter", "paused", "web"]
    );
    // The limit counts matches, not containers.
    assert_eq!(run(false, Some(1), cli("label=app")), ["db"]);
}

#[test]
fn ties_in_creation_time_are_ordered_by_id() {
    let mut db = ViewDb::new();
    for id in ["c", "a", "b"] {
        let c = base(id, id, 10);
        db.save(&c, at(NOW)).unwrap();
    }
    let view = db.snapshot();
    let ids: Vec<String> = list(
        &view,
        &ListOptions {
            all: true,
            ..ListOptions::default()
        },
    )
    .unwrap()
    .iter()
    .map(|s| s.id().to_owned())
    .collect();
    assert_eq!(ids, ["a", "b", "c"]);
}

#[test]
fn both_json_forms_parse_the_same() {
    let lists = json(r#"{"status":["running","exited"],"label":["a=b"]}"#);
    let sets = json(r#"{"status":{"running":true,"exited":true},"label":{"a=b":true}}"#);
    assert_eq!(lists, sets);
    assert_eq!(lists.get("status"), ["exited", "running"]);
    assert_eq!(lists.get("label"), ["a=b"]);
    assert_eq!(lists.len(), 2);
    for empty in ["", "{}", "null", " {} "] {
        assert!(json(empty).is_empty(), "{empty:?}");
    }
    // Go decodes a null element as "" and a null set as no values.
    let nulls = json(r#"{"name":["web",null],"status":null}"#);
    assert_eq!(nulls.get("name"), ["", "web"]);
    assert!(nulls.contains("status"));
    assert!(nulls.get("status").is_empty());
}

#[test]
fn malformed_json_is_an_invalid_filter() {
    for bad in [
        "[]",
        "\"status\"",
        "{",
        " ",
        r#"{"status":"running"}"#,
        r#"{"status":[1]}"#,
        r#"{"status":{"running":"yes"}}"#,
        r#"{"status":["running"],"label":{"a":true}}"#,
    ] {
        let err = Filters::from_json(bad).unwrap_err();
        assert_eq!(err, FilterError::Malformed, "{bad}");
        assert_eq!(err.to_string(), "invalid filter");
        assert_eq!(err.kind(), ErrorKind::InvalidParameter);
    }
}

#[test]
fn to_json_round_trips() {
    let f = cli("status=exited label=a=b status=running");
    assert_eq!(
        f.to_json(),
        r#"{"label":["a=b"],"status":["exited","running"]}"#
    );
    assert_eq!(Filters::from_json(&f.to_json()).unwrap(), f);
    assert_eq!(Filters::new().to_json(), "{}");
    // A false value keeps the set form.
    let sets = json(r#"{"health":{"healthy":false,"none":true}}"#);
    assert_eq!(
        sets.to_json(),
        r#"{"health":{"healthy":false,"none":true}}"#
    );
    assert_eq!(Filters::from_json(&sets.to_json()).unwrap(), sets);
}

#[test]
fn set_form_false_values_only_fail_exact_matches() {
    let view = fixture();
    // `health` is an exact match: a false value is not wanted.
    assert_eq!(
        ps(&view, json(r#"{"health":{"healthy":false}}"#), true),
        Vec::<String>::new()
    );
    // `status` is a regexp match: the value still matches.
    assert_eq!(
        ps(&view, json(r#"{"status":{"paused":false}}"#), true),
        ["paused"]
    );
    // `is-task` with only a false `true` is neither true nor false.
    assert_eq!(
        list(
            &view,
            &ListOptions {
                filters: json(r#"{"is-task":{"true":false}}"#),
                ..ListOptions::default()
            }
        )
        .unwrap_err()
        .to_string(),
        "invalid filter 'is-task=[true]'"
    );
}

#[test]
fn keys_without_values_follow_the_engine() {
    let view = fixture();
    let none: Vec<String> = Vec::new();
    // Present but empty: these exclude everything...
    for key in ["ancestor", "volume", "network"] {
        assert_eq!(
            ps(&view, json(&format!(r#"{{"{key}":[]}}"#)), true),
            none,
            "{key}"
        );
    }
    // ...these filter nothing (and an empty status does not imply -a)...
    for key in ["status", "name", "label", "health", "exited", "publish"] {
        assert_eq!(
            ps(&view, json(&format!(r#"{{"{key}":[]}}"#)), false),
            ["winbox", "restarter", "paused", "web"],
            "{key}"
        );
    }
    // ...and an empty is-task reads as true.
    assert_eq!(ps(&view, json(r#"{"is-task":[]}"#), true), ["paused"]);
}

#[test]
fn cli_pairs_split_at_the_first_equals() {
    let f = cli("  status=exited   label=a=b STATUS=running name=");
    assert_eq!(f.get("status"), ["exited", "running"]);
    assert_eq!(f.get("label"), ["a=b"]);
    assert_eq!(f.get("name"), [""]);
    assert!(Filters::parse_cli("").unwrap().is_empty());
    let err = Filters::parse_cli("status=exited web").unwrap_err();
    assert_eq!(
        err,
        FilterError::BadFormat {
            token: "web".to_owned()
        }
    );
    assert_eq!(
        err.to_string(),
        "bad format of filter (expected name=value)"
    );
    assert_eq!(err.kind(), ErrorKind::InvalidParameter);
}

#[test]
fn query_splits_filters_from_free_text() {
    let (f, words) = Filters::parse_query("web status=running  front label=tier").unwrap();
    assert_eq!(f, cli("status=running label=tier"));
    assert_eq!(words, ["web", "front"]);
    let (f, words) = Filters::parse_query("  ").unwrap();
    assert!(f.is_empty() && words.is_empty());
    assert_eq!(
        Filters::parse_query("web status=runn")
            .unwrap_err()
            .to_string(),
        "invalid filter 'status=runn'"
    );
    assert_eq!(
        Filters::parse_query("colour=red").unwrap_err().to_string(),
        "invalid filter 'colour'"
    );
}

#[test]
fn every_error_in_the_engines_words() {
    let view = fixture();
    let cases: &[(&str, &str, ErrorKind)] = &[
        (
            "invalid=foo",
            "invalid filter 'invalid'",
            ErrorKind::InvalidParameter,
        ),
        (
            "status!=bogus",
            "invalid filter 'status!'",
            ErrorKind::InvalidParameter,
        ),
        (
            "status=rubbish",
            "invalid filter 'status=rubbish'",
            ErrorKind::InvalidParameter,
        ),
        (
            "status=Running",
            "invalid filter 'status=Running'",
            ErrorKind::InvalidParameter,
        ),
        (
            "is-task=maybe",
            "invalid filter 'is-task=[maybe]'",
            ErrorKind::InvalidParameter,
        ),
        (
            "is-task=yes is-task=no",
            "invalid filter 'is-task=[no yes]'",
            ErrorKind::InvalidParameter,
        ),
        (
            "health=sick",
            "Unrecognised filter value for health: sick",
            ErrorKind::InvalidParameter,
        ),
        (
            "exited=x",
            r#"strconv.Atoi: parsing "x": invalid syntax"#,
            ErrorKind::System,
        ),
        (
            "exited=99999999999999999999",
            r#"strconv.Atoi: parsing "99999999999999999999": value out of range"#,
            ErrorKind::System,
        ),
        (
            "before=nobody",
            "No such container: nobody",
            ErrorKind::NotFound,
        ),
        (
            "since=nobody",
            "No such container: nobody",
            ErrorKind::NotFound,
        ),
        // Before and since take a full ID or a name, not an ID prefix.
        ("since=c", "No such container: c", ErrorKind::NotFound),
        (
            "publish=1:2",
            "filter for 'publish' should not contain ':': 1:2",
            ErrorKind::System,
        ),
        (
            "expose=abc",
            r#"error while looking up for expose abc: strconv.ParseUint: parsing "abc": invalid syntax"#,
            ErrorKind::System,
        ),
        (
            "publish=70000",
            r#"error while looking up for publish 70000: strconv.ParseUint: parsing "70000": value out of range"#,
            ErrorKind::System,
        ),
        (
            "publish=90-80",
            "error while looking up for publish 90-80: invalid range specified for port: 90-80",
            ErrorKind::System,
        ),
        (
            "publish=/tcp",
            "error while looking up for publish /tcp: empty string specified for ports",
            ErrorKind::System,
        ),
        (
            "expose=-80",
            r#"error while looking up for expose -80: strconv.ParseUint: parsing "": invalid syntax"#,
            ErrorKind::System,
        ),
        // The engine checks in order: keys, exited, status, is-task, health, before, since,
        // publish, expose.
        (
            "status=x colour=red",
            "invalid filter 'colour'",
            ErrorKind::InvalidParameter,
        ),
        (
            "status=x exited=y",
            r#"strconv.Atoi: parsing "y": invalid syntax"#,
            ErrorKind::System,
        ),
        (
            "health=x status=y",
            "invalid filter 'status=y'",
            ErrorKind::InvalidParameter,
        ),
        (
            "publish=x before=nobody",
            "No such container: nobody",
            ErrorKind::NotFound,
        ),
    ];
    for (filter, message, kind) in cases {
        let opts = ListOptions {
            filters: cli(filter),
            ..ListOptions::default()
        };
        let err = list(&view, &opts).unwrap_err();
        assert_eq!(err.to_string(), *message, "{filter}");
        assert_eq!(err.kind(), *kind, "{filter}");
    }
}

#[test]
fn validate_needs_no_view_but_leaves_references_to_compile() {
    assert!(cli("status=running label=a before=nobody")
        .validate()
        .is_ok());
    assert_eq!(
        cli("health=sick").validate().unwrap_err().to_string(),
        "Unrecognised filter value for health: sick"
    );
    assert_eq!(
        cli("expose=1:2").validate().unwrap_err().to_string(),
        "filter for 'expose' should not contain ':': 1:2"
    );
}

#[test]
fn ambiguous_names_are_no_such_container() {
    // `/x` and `x` both read as `x` once their slash is trimmed.
    let mut db = ViewDb::new();
    let one = base("1", "x", 10);
    let mut two = base("2", "y", 20);
    two.name = "x".to_owned();
    db.reserve_name("/x", "1").unwrap();
    db.reserve_name("x", "2").unwrap();
    db.save(&one, at(NOW)).unwrap();
    db.save(&two, at(NOW)).unwrap();
    let view = db.snapshot();
    let opts = ListOptions {
        all: true,
        filters: cli("before=x"),
        ..ListOptions::default()
    };
    assert_eq!(
        list(&view, &opts).unwrap_err(),
        FilterError::NoSuchContainer("x".to_owned())
    );
}

#[test]
fn compiled_filter_and_one_shot_matches_agree_with_list() {
    let view = fixture();
    for filter in [
        "status=running",
        "label=app",
        "name=^w since=deadone",
        "before=paused exited=3",
    ] {
        let f = cli(filter);
        let compiled = f.compile(&view).unwrap();
        let listed = names(&compiled.list(&view, true, None));
        let matched: Vec<String> = EVERYONE
            .iter()
            .filter(|n| {
                let s = view.resolve(n).unwrap();
                let one_shot = f.matches(&s, &view).unwrap();
                assert_eq!(one_shot, compiled.matches(&s), "{filter} {n}");
                one_shot
            })
            .map(|n| (*n).to_owned())
            .collect();
        assert_eq!(listed, matched, "{filter}");
    }
    assert!(cli("status=exited").compile(&view).unwrap().implies_all());
    assert!(!cli("exited=0").compile(&view).unwrap().implies_all());
}

#[test]
fn moby_name_filter_test() {
    // TestNameFilter: `^a` with and without the slash, and exact names.
    let mut db = ViewDb::new();
    for (i, n) in ["a1", "a2", "b1"].into_iter().enumerate() {
        let mut c = base(&format!("{i}"), n, 10 + i as i64);
        start(&mut c);
        db.reserve_name(&c.name, &c.id).unwrap();
        db.save(&c, at(NOW)).unwrap();
    }
    let view = db.snapshot();
    assert_eq!(ps(&view, cli("name=^a"), false), ["a2", "a1"]);
    assert_eq!(ps(&view, cli("name=^/a"), false), ["a2", "a1"]);
    assert_eq!(ps(&view, cli("name=b1"), false), ["b1"]);
    assert_eq!(ps(&view, cli("name=/b1"), false), ["b1"]);
    // Another name (a link's) makes a container a candidate, but its own name must match too.
    let mut db2 = db.clone();
    db2.reserve_name("/alias", "2").unwrap();
    assert_eq!(
        ps(&db2.snapshot(), cli("name=alias"), false),
        Vec::<String>::new()
    );
}
