//! The lifecycle diagram: the seven states as an SVG graph, the current one highlighted, the
//! core's moves between them ([`berth_core::lifecycle::MOVES`]), and those the rules allow from
//! here ([`berth_core::actions::allowed`]) drawn as live arrows. Only the layout is this page's.

use berth_core::actions::allowed;
use berth_core::container::Container;
use berth_core::lifecycle::{possible, Move, Place, MOVES};
use berth_core::state::StateKind;
use yew::prelude::*;

/// Where each state is drawn (centre).
fn position(k: StateKind) -> (f64, f64) {
    match k {
        StateKind::Created => (110.0, 60.0),
        StateKind::Running => (360.0, 170.0),
        StateKind::Paused => (610.0, 60.0),
        StateKind::Restarting => (610.0, 290.0),
        StateKind::Exited => (110.0, 290.0),
        StateKind::Removing => (360.0, 410.0),
        StateKind::Dead => (610.0, 410.0),
    }
}

/// How far the curve of a move bows to the left of its direction (0: straight), in pixels. The
/// moves are the core's ([`MOVES`]); where they are drawn is this page's.
fn bend(from: StateKind, to: StateKind) -> f64 {
    match (from, to) {
        (Paused, Exited) => -150.0,
        (Created, Removing) => -70.0,
        (Paused, Removing) => 70.0,
        _ => 0.0,
    }
}

use StateKind::{Created, Exited, Paused, Removing};

/// One move of the core's table between two of the seven states (this diagram draws neither
/// "new" nor "removed").
struct Edge {
    from: StateKind,
    to: StateKind,
    spec: &'static Move,
}

/// The moves this diagram draws, in the table's order.
fn edges() -> impl Iterator<Item = Edge> {
    MOVES.iter().filter_map(|m| match (m.from, m.to) {
        (Place::State(from), Place::State(to)) => Some(Edge { from, to, spec: m }),
        _ => None,
    })
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
        (W / 2.0 + 3.0) / dx.abs()
    } else {
        f64::INFINITY
    };
    let sy = if dy.abs() > 0.0 {
        (H / 2.0 + 3.0) / dy.abs()
    } else {
        f64::INFINITY
    };
    let s = sx.min(sy).min(1.0);
    (a.0 + dx * s, a.1 + dy * s)
}

/// The path of an edge and where its label goes.
fn geometry(e: &Edge) -> (String, (f64, f64)) {
    let (a, b) = (position(e.from), position(e.to));
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    // The unit normal to the left of the direction.
    let (nx, ny) = (dy / len, -dx / len);
    // Two moves between the same pair are drawn apart, each on its own side.
    let pair = e.spec.reverse().is_some();
    let shift = if pair { 8.0 } else { 0.0 };
    let a2 = (a.0 + nx * shift, a.1 + ny * shift);
    let b2 = (b.0 + nx * shift, b.1 + ny * shift);
    let mid = ((a2.0 + b2.0) / 2.0, (a2.1 + b2.1) / 2.0);
    let bend = bend(e.from, e.to);
    let control = (mid.0 + nx * bend * 2.0, mid.1 + ny * bend * 2.0);
    let start = exit_point(a2, control);
    let end = exit_point(b2, control);
    // The curve's midpoint, and the label a little further out on the same side.
    let on_curve = (
        0.25 * start.0 + 0.5 * control.0 + 0.25 * end.0,
        0.25 * start.1 + 0.5 * control.1 + 0.25 * end.1,
    );
    let out = if pair || bend != 0.0 { 14.0 } else { 10.0 };
    let side = if bend < 0.0 { -1.0 } else { 1.0 };
    let label = (
        on_curve.0 + nx * out * side,
        on_curve.1 + ny * out * side + 4.0,
    );
    let d = format!(
        "M{:.1},{:.1} Q{:.1},{:.1} {:.1},{:.1}",
        start.0, start.1, control.0, control.1, end.0, end.1
    );
    (d, label)
}

/// The diagram.
#[function_component(Lifecycle)]
pub fn lifecycle(p: &LifecycleProps) -> Html {
    let current = p.container.state.kind();
    let ok = allowed(&p.container);
    let open = possible(&p.container);
    let edges = edges().enumerate().map(|(i, e)| {
        let (d, (lx, ly)) = geometry(&e);
        // An operation can make it now ([`possible`] also lists the engine's own moves).
        let live = !e.spec.is_automatic() && open.contains(&e.spec);
        let automatic = e.spec.is_automatic();
        let class = classes!(
            "edge",
            live.then_some("live"),
            (automatic && e.from == current).then_some("auto-live"),
            automatic.then_some("auto")
        );
        html! {
            <g class={class} key={i}>
                <path d={d} fill="none"
                    marker-end={if live { "url(#arrow-live)" } else { "url(#arrow)" }} />
                <title>{ format!("{} → {}: {}", e.from, e.to, e.spec.label) }</title>
                if e.from == current {
                    <text x={fmt(lx)} y={fmt(ly)} text-anchor="middle" class="edge-label">{ e.spec.label }</text>
                }
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
            <svg viewBox="0 0 720 440" role="img" aria-labelledby="diagram-title">
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
                { format!("Now {current}. Moves the rules allow from here: {}. Dashed: the engine's own moves; hover an arrow for its name.",
                    if moves.is_empty() { "none".to_owned() } else { moves.join(", ") }) }
            </figcaption>
        </figure>
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}
