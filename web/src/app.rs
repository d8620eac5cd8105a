//! The dashboard's shell: the store provided by context, the router (`/` containers,
//! `/containers/:id`, `/history`), the header and the live link. The lab (`/lab`) is a page and
//! a wasm of its own ([`crate::run_lab`]); the dashboard only links to it.

use yew::prelude::*;

use crate::components::header::Header;
use crate::connection::{browser_now_ms, use_clock, use_live_link};
use crate::pages::container::ContainerPage;
use crate::pages::containers::ContainersPage;
use crate::pages::history::HistoryPage;
use crate::route::{use_route, Link, Route, Router};
use crate::store::{use_dash, Dash, DashContext, Msg};
use crate::synthetic;

/// The root component.
#[function_component(App)]
pub fn app() -> Html {
    let dash = use_reducer(Dash::default);
    html! {
        <ContextProvider<DashContext> context={dash}>
            <Router>
                <Shell />
            </Router>
        </ContextProvider<DashContext>>
    }
}

/// `?bench=N` in the address: the number of synthetic containers to load instead of connecting.
fn bench_size() -> Option<usize> {
    let n = crate::route::current_query("bench")?
        .parse::<usize>()
        .ok()?;
    Some(n.clamp(1, 100_000))
}

#[function_component(Shell)]
fn shell() -> Html {
    let dash = use_dash();
    let route = use_route();
    let bench = use_memo((), |_| bench_size());
    use_live_link(bench.is_none(), dash.clone());
    use_clock(dash.clone());
    {
        let dispatch = dash.dispatcher();
        use_effect_with(*bench, move |bench| {
            if let Some(n) = *bench {
                let now = browser_now_ms();
                crate::bench::start("load");
                dispatch.dispatch(Msg::Synthetic(synthetic::fleet(n, now), now));
            }
        });
    }
    {
        // The tab's title names the page (a container's page names the container itself).
        let title = match &route {
            Route::Containers => Some("Containers"),
            Route::History => Some("History"),
            Route::NotFound => Some("Page not found"),
            Route::Container { .. } => None,
        };
        use_effect_with(title, |title| {
            if let Some(t) = title {
                crate::route::set_title(t);
            }
        });
    }
    html! {
        <>
            <a class="skip-link" href="#main">{ "Skip to content" }</a>
            <Header />
            <main class="page" id="main">
                { page(route) }
            </main>
        </>
    }
}

fn page(route: Route) -> Html {
    match route {
        Route::Containers => html! { <ContainersPage /> },
        Route::Container { id } => html! { <ContainerPage id={id} /> },
        Route::History => html! { <HistoryPage /> },
        Route::NotFound => html! {
            <section class="empty">
                <h1>{ "Page not found" }</h1>
                <p><Link to={Route::Containers}>{ "Back to the containers" }</Link></p>
            </section>
        },
    }
}
