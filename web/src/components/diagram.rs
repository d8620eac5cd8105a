//! The lifecycle diagram: the seven states as an SVG graph, the current one highlighted, and the
//! moves the rules allow from here ([`berth_core::actions::allowed`]) drawn as live arrows.

use berth_core::actions::{allowed, Action};
use berth_core::container::Container;
use berth_core::state::StateKind;
use yew::prelude::*;

/// Where each state is drawn (centre).
fn position(k: StateKind) -> (f64, f64) {
    match k {
        StateKind::Created => (80.0, 60.0),
        StateKind::Running => (320.0, 60.0),
        StateKind::Paused => (560.0, 60.0),
        StateKind::Restarting => (320.0, 200.0),
        StateKind::Exited => (80.0, 200.0),
        StateKind::Removing => (560.0, 200.0),
        StateKind::Dead => (560.0, 320.0),
    }
}

/// One move of the state machine.
pub struct Edge {
    /// From.
    pub from: StateKind,
    /// To.
    pub to: StateKind,
    /// What makes it happen.
    pub label: &'static str,
    /// The user actions that make it (none: the engine does it on its own).
    pub actions: &'static [Action],
}

/// Every move the engine makes.
pub const EDGES: &[Edge] = &[
    Edge {
        from: StateKind::Created,
        to: StateKind::Running,
        label: "start",
        actions: &[Action::Start, Action::Restart],
    },
    Edge {
        from: StateKind::Running,
        to: StateKind::Paused,
        label: "pause",
        actions: &[Action::Pause],
    },
    Edge {
        from: StateKind::Paused,
        to: StateKind::Running,
        label: "unpause",
        actions: &[Action::Unpause],
    },
    Edge {
        from: StateKind::Running,
        to: StateKind::Exited,
        label: "stop · kill · exit",
        actions: &[Action::Stop, Action::Kill],
    },
    Edge {
        from: StateKind::Running,
        to: StateKind::Restarting,
        label: "exit + policy",
        actions: &[],
    },
    Edge {
        from: StateKind::Restarting,
        to: StateKind::Running,
        label: "backoff over",
        actions: &[],
    },
    Edge {
        from: StateKind::Restarting,
        to: StateKind::Exited,
        label: "stop · kill",
        actions: &[Action::Stop, Action::Kill],
    },
    Edge {
        from: StateKind::Exited,
        to: StateKind::Running,
        label: "start · restart",
        actions: &[Action::Start, Action::Restart],
    },
    Edge {
        from: StateKind::Paused,
        to: StateKind::Exited,
        label: "stop · kill",
        actions: &[Action::Stop, Action::Kill],
    },
    Edge {
        from: StateKind::Exited,
        to: StateKind::Removing,
        label: "rm",
        actions: &[Action::Remove, Action::ForceRemove],
    },
    Edge {
        from: StateKind::Created,
        to: StateKind::Removing,
        label: "rm",
        actions: &[Action::Remove, Action::ForceRemove],
    },
    Edge {
        from: StateKind::Running,
        to: StateKind::Removing,
        label: "rm -f",
        actions: &[Action::ForceRemove],
    },
    Edge {
        from: StateKind::Paused,
        to: StateKind::Removing,
        label: "rm -f",
        actions: &[Action::ForceRemove],
    },
    Edge {
        from: StateKind::Removing,
        to: StateKind::Dead,
        label: "removal fails",
        actions: &[],
    },
    Edge {
        from: StateKind::Dead,
        to: StateKind::Removing,
        label: "rm",
        actions: &[Action::Remove, Action::ForceRemove],
    },
];

/// Whether `e` is a move the rules allow from `current` with `ok` actions accepted.
pub fn edge_allowed(e: &Edge, current: StateKind, ok: &[Action]) -> bool {
    e.from == current && e.actions.iter().any(|a| ok.contains(a))
}

/// Props of [`Lifecycle`].
#[derive(Properties, PartialEq)]
pub struct LifecycleProps {
    /// The container.
    pub container: std::sync::Arc<Container>,
}

const W: f64 = 116.0;
const H: f64 = 36.0;

/// The point where the segment from the centre `a` towards `b` leaves a node's box.
fn exit_point(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let sx = if dx.abs() > 0.0 {
        (W / 2.0 + 4.0) / dx.abs()
    } else {
        f64::INFINITY
    };
    let sy = if dy.abs() > 0.0 {
        (H / 2.0 + 4.0) / dy.abs()
    } else {
        f64::INFINITY
    };
    let s = sx.min(sy).min(1.0);
    (a.0 + dx * s, a.1 + dy * s)
}

/// The diagram.
#[function_component(Lifecycle)]
pub fn lifecycle(p: &LifecycleProps) -> Html {
    let current = p.container.state.kind();
    let ok = allowed(&p.container);
    let edges = EDGES.iter().enumerate().map(|(i, e)| {
        let (a, b) = (position(e.from), position(e.to));
        // Two moves between the same pair are drawn apart.
        let reverse = EDGES.iter().any(|o| o.from == e.to && o.to == e.from);
        let shift = if reverse { 7.0 } else { 0.0 };
        let (nx, ny) = {
            let (dx, dy) = (b.0 - a.0, b.1 - a.1);
            let len = (dx * dx + dy * dy).sqrt().max(1.0);
            (-dy / len * shift, dx / len * shift)
        };
        let a2 = (a.0 + nx, a.1 + ny);
        let b2 = (b.0 + nx, b.1 + ny);
        let start = exit_point(a2, b2);
        let end = exit_point(b2, a2);
        let live = edge_allowed(e, current, &ok);
        let automatic = e.actions.is_empty();
        let class = classes!(
            "edge",
            live.then_some("live"),
            (automatic && e.from == current).then_some("auto-live"),
            automatic.then_some("auto")
        );
        let (mx, my) = ((start.0 + end.0) / 2.0 + nx * 1.6, (start.1 + end.1) / 2.0 + ny * 1.6 - 4.0);
        html! {
            <g class={class} key={i}>
                <line x1={fmt(start.0)} y1={fmt(start.1)} x2={fmt(end.0)} y2={fmt(end.1)}
                    marker-end={if live { "url(#arrow-live)" } else { "url(#arrow)" }} />
                <text x={fmt(mx)} y={fmt(my)} text-anchor="middle" class="edge-label">{ e.label }</text>
            </g>
        }
    });
    let nodes = StateKind::ALL.into_iter().map(|k| {
        let (x, y) = position(k);
        let here = k == current;
        html! {
            <g class={classes!("node", format!("st-{}", k.as_str()), here.then_some("current"))} key={k.as_str()}>
                <rect x={fmt(x - W / 2.0)} y={fmt(y - H / 2.0)} width={fmt(W)} height={fmt(H)} rx="18" />
                <text x={fmt(x)} y={fmt(y + 5.0)} text-anchor="middle">{ k.as_str() }</text>
            </g>
        }
    });
    let moves: Vec<&str> = ok.iter().map(|a| a.as_str()).collect();
    html! {
        <figure class="diagram">
            <svg viewBox="0 0 660 360" role="img" aria-labelledby="diagram-title">
                <title id="diagram-title">{ format!("Lifecycle: now {current}; allowed: {}", moves.join(", ")) }</title>
                <defs>
                    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M0,0 L10,5 L0,10 z" class="arrow-head" />
                    </marker>
                    <marker id="arrow-live" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M0,0 L10,5 L0,10 z" class="arrow-head live" />
                    </marker>
                </defs>
                { for edges }
                { for nodes }
            </svg>
            <figcaption class="muted">
                { format!("Now {current}. Moves the rules allow from here: {}. Dashed: the engine's own moves.",
                    if moves.is_empty() { "none".to_owned() } else { moves.join(", ") }) }
            </figcaption>
        </figure>
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}
