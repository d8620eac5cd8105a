//! `docker events` filters (`core/src/event_filters.rs`) as Engine 20.10's `events.Filter`
//! applies them.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use std::collections::BTreeMap;

use berth_core::event_filters::event_matches;
use berth_core::events::{Actor, Event};
use berth_core::filters::Filters;

fn event(kind: &str, action: &str, id: &str, attributes: &[(&str, &str)]) -> Event {
    Event {
        r#type: kind.to_owned(),
        action: action.to_owned(),
        actor: Actor {
            id: id.to_owned(),
            attributes: attributes
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>(),
        },
        scope: "local".to_owned(),
        time: 1,
        time_nano: 1_000_000_000,
    }
}

fn passes(filters: &str, e: &Event) -> bool {
    let filters = Filters::from_json(filters).unwrap_or_else(|e| panic!("{e}"));
    event_matches(&filters, e)
}

#[test]
fn events_pass_the_filters_as_the_daemon_lets_them() {
    let die = event(
        "container",
        "die",
        "abc123",
        &[
            ("name", "web"),
            ("image", "nginx:latest"),
            ("exitCode", "0"),
            ("team", "a"),
        ],
    );
    let healthy = event(
        "container",
        "health_status: healthy",
        "abc123",
        &[("name", "web")],
    );
    let connect = event(
        "network",
        "connect",
        "net1",
        &[("container", "abc123"), ("name", "none")],
    );
    assert!(passes("{}", &die));
    assert!(passes(r#"{"container":["web"]}"#, &die));
    assert!(passes(r#"{"container":["abc"]}"#, &die), "an ID prefix");
    assert!(
        !passes(r#"{"container":["web"]}"#, &connect),
        "the network is the actor"
    );
    assert!(passes(r#"{"network":["none"]}"#, &connect));
    assert!(passes(r#"{"type":["network","image"]}"#, &connect));
    assert!(!passes(r#"{"type":["container"]}"#, &connect));
    assert!(passes(r#"{"event":["die"],"type":["container"]}"#, &die));
    assert!(!passes(
        r#"{"event":["health_status: unhealthy"]}"#,
        &healthy
    ));
    assert!(passes(r#"{"event":["health_status"]}"#, &healthy), "#25798");
    assert!(!passes(r#"{"event":["health"]}"#, &healthy));
    assert!(passes(r#"{"label":["team"]}"#, &die));
    assert!(passes(r#"{"label":["team=a"]}"#, &die));
    assert!(!passes(r#"{"label":["team=b"]}"#, &die));
    assert!(passes(r#"{"image":["nginx"]}"#, &die));
    assert!(!passes(r#"{"image":["redis"]}"#, &die));
    // Engine 20.10 ignores a name it does not know.
    assert!(passes(r#"{"colour":["red"]}"#, &die));
}
