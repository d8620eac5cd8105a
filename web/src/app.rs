//! The app shell: the store provided by context, the router (`/` containers, `/containers/:id`,
//! `/history`, `/lab`), the header and the live link. The lab needs no berth: on `/lab` nothing
//! is fetched until a dashboard page is opened.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::components::header::Header;
use crate::connection::{browser_now_ms, use_clock, use_live_link};
use crate::pages::container::ContainerPage;
use crate::pages::containers::ContainersPage;
use crate::pages::history::HistoryPage;
use crate::store::{Dash, Msg};
use crate::synthetic;

/// The routes.
#[derive(Debug, Clone, PartialEq, Eq, Routable)]
pub enum Route {
    /// The containers list.
    #[at("/")]
    Containers,
    /// One container.
    #[at("/containers/:id")]
    Container {
        /// An ID, a unique ID prefix or a name.
        id: String,
    },
    /// The history scrubber.
    #[at("/history")]
    History,
    /// The lifecycle lab.
    #[at("/lab")]
    Lab,
    /// Anything else.
    #[not_found]
    #[at("/404")]
    NotFound,
}

/// The store as every component gets it.
pub type DashContext = UseReducerHandle<Dash>;

/// The store. Every component below [`App`] has it.
#[hook]
pub fn use_dash() -> DashContext {
    use_context::<DashContext>().expect("use_dash is called below App, which provides the store")
}

/// The root component.
#[function_component(App)]
pub fn app() -> Html {
    let dash = use_reducer(Dash::default);
    html! {
        <ContextProvider<DashContext> context={dash}>
            <BrowserRouter>
                <Shell />
            </BrowserRouter>
        </ContextProvider<DashContext>>
    }
}

/// `?bench=N` in the address: the number of synthetic containers to load instead of connecting.
fn bench_size() -> Option<usize> {
    let search = web_sys::window()?.location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    let n = params.get("bench")?.parse::<usize>().ok()?;
    Some(n.clamp(1, 100_000))
}

#[function_component(Shell)]
fn shell() -> Html {
    let dash = use_dash();
    let route = use_route::<Route>().unwrap_or(Route::NotFound);
    let on_dashboard = !matches!(route, Route::Lab);
    let bench = use_memo((), |_| bench_size());
    // Once a dashboard page has been opened the link stays open (also while on the lab).
    let wanted = use_mut_ref(|| false);
    if on_dashboard && bench.is_none() {
        *wanted.borrow_mut() = true;
    }
    let active = *wanted.borrow();
    use_live_link(active, dash.clone());
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
    html! {
        <>
            <a class="skip-link" href="#main">{ "Skip to content" }</a>
            <Header on_dashboard={on_dashboard} />
            <main class="page" id="main">
                <Switch<Route> render={switch} />
            </main>
        </>
    }
}

fn switch(route: Route) -> Html {
    match route {
        Route::Containers => html! { <ContainersPage /> },
        Route::Container { id } => html! { <ContainerPage id={id} /> },
        Route::History => html! { <HistoryPage /> },
        Route::Lab => html! { <crate::lab::LabPage /> },
        Route::NotFound => html! {
            <section class="empty">
                <h1>{ "Page not found" }</h1>
                <p><Link<Route> to={Route::Containers}>{ "Back to the containers" }</Link<Route>></p>
            </section>
        },
    }
}
