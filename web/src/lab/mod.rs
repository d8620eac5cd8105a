//! The lifecycle lab (issue 5). A placeholder until the lab lands: the lab engineer replaces
//! this whole folder.

pub mod lessons;
pub mod model;

use yew::prelude::*;

/// The lab page.
#[function_component(LabPage)]
pub fn lab_page() -> Html {
    html! {
        <section class="empty">
            <h1>{ "Lifecycle lab" }</h1>
            <p class="muted">{ "Coming soon." }</p>
        </section>
    }
}
