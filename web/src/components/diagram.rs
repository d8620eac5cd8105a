//! The lifecycle diagram, on the container page and in the lab: the seven states plus "new"
//! and "removed" as an SVG graph of the core's moves ([`berth_core::lifecycle::MOVES`]), where the
//! container is now filled, the moves an operation can make from there
//! ([`berth_core::lifecycle::possible`]) in blue, the engine's own moves dashed, and the way it
//! went in the step shown (the lab's) drawn thick. The page supplies only what to highlight; the
//! layout is this file's, the moves the core's.

use berth_core::actions::allowed;
use berth_core::container::Container;
use berth_core::lifecycle::{possible, Move, Place, MOVES};
use berth_core::state::StateKind;
use yew::prelude::*;

const NODE_W: f64 = 124.0;
const NODE_H: f64 = 38.0;

fn position(p: Place) -> (f64, f64) {
    match p {
        Place::New => (40.0, 60.0),
        Place::State(StateKind::Created) => (180.0, 60.0),
        Place::State(StateKind::Running) => (430.0, 60.0),
        Place::State(StateKind::Paused) => (670.0, 60.0),
        Place::State(StateKind::Restarting) => (180.0, 210.0),
        Place::State(StateKind::Exited) => (430.0, 210.0),
        Place::State(StateKind::Dead) => (670.0, 210.0),
        Place::State(StateKind::Removing) => (430.0, 345.0),
        Place::Removed => (670.0, 345.0),
    }
}

/// Where a move of the core's table ([`MOVES`]) is drawn; the moves are the core's, their
/// shapes this page's.
#[derive(Default)]
struct Layout {
    /// How far the curve bows to its left (pairs of opposite moves are drawn apart).
    bend: f64,
    /// A control point of its own, for a curve that goes around other states.
    ctrl: Option<(f64, f64)>,
    /// Where its label starts, when the middle of the curve is crowded.
    label_at: Option<(f64, f64)>,
}

fn layout(from: Place, to: Place) -> Layout {
    use StateKind::{Created, Dead, Exited, Paused, Removing, Restarting, Running};
    let bend = |bend| Layout {
        bend,
        ..Layout::default()
    };
    match (from, to) {
        (Place::State(Running), Place::State(Paused))
        | (Place::State(Paused), Place::State(Running))
        | (Place::State(Removing), Place::State(Dead))
        | (Place::State(Dead), Place::State(Removing)) => bend(14.0),
        (Place::State(Running), Place::State(Exited))
        | (Place::State(Exited), Place::State(Running)) => bend(24.0),
        (Place::State(Running), Place::State(Restarting))
        | (Place::State(Restarting), Place::State(Running)) => bend(16.0),
        (Place::State(Paused), Place::State(Exited)) => Layout {
            label_at: Some((606.0, 118.0)),
            ..Layout::default()
        },
        // Through the gap between "exited" and "dead", beside the move from "paused".
        (Place::State(Running), Place::State(Removing)) => Layout {
            ctrl: Some((575.0, 215.0)),
            label_at: Some((484.0, 296.0)),
            ..Layout::default()
        },
        (Place::State(Paused), Place::State(Removing)) => Layout {
            label_at: Some((572.0, 182.0)),
            ..Layout::default()
        },
        (Place::State(Created), Place::State(Removing)) => Layout {
            ctrl: Some((40.0, 345.0)),
            ..Layout::default()
        },
        _ => Layout::default(),
    }
}

/// Props of [`Lifecycle`].
#[derive(Properties, PartialEq)]
pub struct LifecycleProps {
    /// The container as it is now (`None` when it is gone or none is selected).
    pub container: Option<std::sync::Arc<Container>>,
    /// Where it is: its state, or removed.
    pub place: Option<Place>,
    /// The way it went in the step shown (drawn thick, numbered when it took several moves);
    /// empty for none.
    #[prop_or_default]
    pub path: Vec<Place>,
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

/// Where the segment from the centre of `a` towards `b` leaves `a`'s box.
fn exit_point(a: (f64, f64), b: (f64, f64), is_dot: bool) -> (f64, f64) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (hw, hh) = if is_dot {
        (12.0, 12.0)
    } else {
        (NODE_W / 2.0 + 5.0, NODE_H / 2.0 + 5.0)
    };
    let sx = if dx.abs() > 0.0 {
        hw / dx.abs()
    } else {
        f64::INFINITY
    };
    let sy = if dy.abs() > 0.0 {
        hh / dy.abs()
    } else {
        f64::INFINITY
    };
    let s = sx.min(sy).min(1.0);
    (a.0 + dx * s, a.1 + dy * s)
}

/// The lifecycle diagram.
#[function_component(Lifecycle)]
pub fn lifecycle(p: &LifecycleProps) -> Html {
    let open: Vec<&Move> = p.container.as_deref().map(possible).unwrap_or_default();
    let allowed_now: Vec<&str> = p
        .container
        .as_deref()
        .map(|c| allowed(c).iter().map(|a| a.as_str()).collect())
        .unwrap_or_default();
    let current = p.place;
    let taken = |e: &Move| p.path.windows(2).any(|w| w[0] == e.from && w[1] == e.to);
    let order = |e: &Move| {
        p.path
            .windows(2)
            .position(|w| w[0] == e.from && w[1] == e.to)
            .map(|i| i + 1)
    };
    let multi = p.path.len() > 2;
    let edges = MOVES.iter().enumerate().map(|(i, e)| {
        let shape = layout(e.from, e.to);
        let (a, b) = (position(e.from), position(e.to));
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        // Left normal of the direction a → b: opposite moves bow to opposite sides.
        let (nx, ny) = (dy / len, -dx / len);
        let ctrl_mid = shape.ctrl.unwrap_or((
            (a.0 + b.0) / 2.0 + nx * shape.bend * 2.0,
            (a.1 + b.1) / 2.0 + ny * shape.bend * 2.0,
        ));
        let start = exit_point(a, ctrl_mid, e.from == Place::New);
        let end = exit_point(b, ctrl_mid, false);
        let was_taken = taken(e);
        // An operation can make it now ([`possible`] also lists the engine's own moves).
        let possible = !e.is_automatic() && open.contains(&e);
        let automatic = e.is_automatic();
        let class = classes!(
            "edge",
            was_taken.then_some("taken"),
            possible.then_some("possible"),
            automatic.then_some("auto"),
            // The engine's own moves from here (a crash, the restart policy).
            (automatic && current == Some(e.from)).then_some("auto-possible")
        );
        let d = format!(
            "M{} {} Q{} {} {} {}",
            fmt(start.0), fmt(start.1), fmt(ctrl_mid.0), fmt(ctrl_mid.1), fmt(end.0), fmt(end.1)
        );
        // The curve's midpoint (t = 1/2 of the quadratic), nudged off the line.
        let mx = 0.25 * start.0 + 0.5 * ctrl_mid.0 + 0.25 * end.0 + nx * 6.0;
        let my = 0.25 * start.1 + 0.5 * ctrl_mid.1 + 0.25 * end.1 + ny * 8.0 + 4.0;
        // Beside a steep curve the label starts (or ends) at it instead of straddling it.
        let (mx, my) = shape.label_at.unwrap_or((mx, my));
        let anchor = if shape.label_at.is_some() {
            "start"
        } else if nx.abs() < 0.6 {
            "middle"
        } else if nx > 0.0 {
            "start"
        } else {
            "end"
        };
        let marker = if was_taken {
            "url(#lab-arrow-taken)"
        } else if possible {
            "url(#lab-arrow-possible)"
        } else {
            "url(#lab-arrow)"
        };
        let label = match (multi, order(e)) {
            (true, Some(n)) => format!("{n}. {}", e.label),
            _ => e.label.to_owned(),
        };
        html! {
            <g class={class} key={i}>
                <path d={d} marker-end={marker} />
                <title>{ format!("{} → {}: {}", e.from.as_str(), e.to.as_str(), e.label) }</title>
                <text x={fmt(mx)} y={fmt(my)} text-anchor={anchor} class="edge-label">{ label }</text>
            </g>
        }
    });
    // "new" is drawn as a dot of its own, below.
    let places = Place::ALL.into_iter().filter(|pl| *pl != Place::New);
    let nodes = places.map(|pl| {
        let (x, y) = position(pl);
        let here = current == Some(pl);
        let visited = p.path.contains(&pl);
        let class = classes!(
            "node",
            format!("st-{}", pl.as_str()),
            here.then_some("current"),
            (visited && !here).then_some("visited")
        );
        html! {
            <g class={class} key={pl.as_str()} data-state={pl.as_str()}>
                <rect x={fmt(x - NODE_W / 2.0)} y={fmt(y - NODE_H / 2.0)} width={fmt(NODE_W)} height={fmt(NODE_H)} rx="19" />
                <text x={fmt(x)} y={fmt(y + 5.0)} text-anchor="middle">{ pl.as_str() }</text>
            </g>
        }
    });
    let (nx, ny) = position(Place::New);
    let new_class = classes!(
        "node-new",
        (current == Some(Place::New) || p.path.first() == Some(&Place::New)).then_some("visited")
    );
    let path_text: Vec<&str> = p.path.iter().map(|pl| pl.as_str()).collect();
    let title = match current {
        Some(c) if path_text.len() > 1 => {
            format!("Now {}; this step: {}", c.as_str(), path_text.join(" → "))
        }
        Some(c) => format!("Now {}", c.as_str()),
        None => "No container selected".to_owned(),
    };
    let allowed_text = if allowed_now.is_empty() {
        "none".to_owned()
    } else {
        allowed_now.join(", ")
    };
    html! {
        <figure class="diagram">
            <svg viewBox="0 0 740 380" role="img" aria-labelledby="diagram-title">
                <title id="diagram-title">{ format!("Lifecycle: {title}; allowed: {allowed_text}") }</title>
                <defs>
                    <marker id="lab-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M0,0 L10,5 L0,10 z" class="arrow-head" />
                    </marker>
                    <marker id="lab-arrow-possible" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M0,0 L10,5 L0,10 z" class="arrow-head possible" />
                    </marker>
                    <marker id="lab-arrow-taken" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                        <path d="M0,0 L10,5 L0,10 z" class="arrow-head taken" />
                    </marker>
                </defs>
                { for edges }
                <g class={new_class}>
                    <circle cx={fmt(nx)} cy={fmt(ny)} r="10" />
                    <text x={fmt(nx)} y={fmt(ny + 28.0)} text-anchor="middle">{ "new" }</text>
                </g>
                { for nodes }
            </svg>
            <figcaption class="muted small">
                { format!("{title}. Operations the rules allow from here: {allowed_text}. ") }
                if p.path.len() > 1 { { "Thick: the move just made. " } }
                { "Blue: moves an operation can make now. Dashed: the engine's own moves; hover an arrow for its name." }
            </figcaption>
        </figure>
    }
}
