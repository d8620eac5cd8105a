//! `docker events` filters (the daemon's `events.Filter`): which engine events a filter set lets
//! through. Keys within one name are alternatives, names together must all match; a name not
//! given matches everything, and one the daemon does not know is ignored, as Engine 20.10
//! ignores it.

use crate::events::Event;
use crate::filters::Filters;

/// `FuzzyMatch`: a value equal to `source`, or a prefix of it.
fn fuzzy(filters: &Filters, key: &str, source: &str) -> bool {
    let values = filters.get(key);
    values.is_empty() || values.iter().any(|v| source.starts_with(v))
}

/// `ExactMatch`.
fn exact(filters: &Filters, key: &str, source: &str) -> bool {
    let values = filters.get(key);
    values.is_empty() || values.contains(&source)
}

/// Whether `event` passes `filters`, as Engine 20.10's `events.Filter.Include` decides.
pub fn event_matches(filters: &Filters, event: &Event) -> bool {
    let attr = |k: &str| event.attribute(k).unwrap_or_default();
    // `fuzzyMatchName`: the actor's ID or its `name` attribute, whatever the event's type.
    let name_or_id = |key: &str| {
        filters.get(key).is_empty()
            || fuzzy(filters, key, &event.actor.id)
            || fuzzy(filters, key, attr("name"))
    };
    // #25798: health_status, exec_create and exec_start match with or without their detail.
    let event_matches = {
        let values = filters.get("event");
        let detailed = values
            .iter()
            .any(|v| ["health_status", "exec_create", "exec_start"].contains(v));
        if detailed {
            fuzzy(filters, "event", &event.action)
        } else {
            exact(filters, "event", &event.action)
        }
    };
    let labels = filters
        .get("label")
        .iter()
        .all(|l| match l.split_once('=') {
            Some((k, v)) => event.attribute(k) == Some(v),
            None => event.attribute(l).is_some(),
        });
    let image = {
        let values = filters.get("image");
        let image = match event.r#type.as_str() {
            "image" => event.actor.id.as_str(),
            _ => attr("image"),
        };
        let bare = |s: &str| {
            s.strip_suffix(":latest")
                .map(str::to_owned)
                .unwrap_or(s.to_owned())
        };
        values.is_empty()
            || values
                .iter()
                .any(|v| bare(v) == bare(image) || *v == event.actor.id)
    };
    event_matches
        && exact(filters, "type", &event.r#type)
        && exact(filters, "scope", &event.scope)
        && [
            "container",
            "network",
            "volume",
            "plugin",
            "daemon",
            "node",
            "service",
            "secret",
            "config",
        ]
        .iter()
        .all(|key| name_or_id(key))
        && labels
        && image
}
