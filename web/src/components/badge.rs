//! State and health badges, for every page: one colour per state (all seven, and "removed" for
//! the lab) and per health status.

use berth_core::health::HealthStatus;
use berth_core::lifecycle::Place;
use berth_core::state::StateKind;
use yew::prelude::*;

/// Props of [`PlaceBadge`].
#[derive(Properties, PartialEq)]
pub struct PlaceBadgeProps {
    /// Where the container is.
    pub place: Place,
}

/// Where a container is, as a badge: one of the seven states, or removed.
#[function_component(PlaceBadge)]
pub fn place_badge(p: &PlaceBadgeProps) -> Html {
    html! { <span class={classes!("badge", format!("st-{}", p.place.as_str()))}>{ p.place.as_str() }</span> }
}

/// Props of [`StateBadge`].
#[derive(Properties, PartialEq)]
pub struct StateBadgeProps {
    /// The state.
    pub kind: StateKind,
}

/// A container state as a badge.
#[function_component(StateBadge)]
pub fn state_badge(p: &StateBadgeProps) -> Html {
    html! { <PlaceBadge place={Place::State(p.kind)} /> }
}

/// Props of [`HealthBadge`].
#[derive(Properties, PartialEq)]
pub struct HealthBadgeProps {
    /// The health status (`none` renders nothing).
    pub status: HealthStatus,
}

/// A health status as a badge.
#[function_component(HealthBadge)]
pub fn health_badge(p: &HealthBadgeProps) -> Html {
    if p.status == HealthStatus::None {
        return html! {};
    }
    html! { <span class={classes!("badge", "health", format!("hl-{}", p.status.as_str()))}>{ p.status.as_str() }</span> }
}
