//! The sign-in field, shown wherever berth refused this browser's token: paste the token (or
//! the whole address berth printed), and every tab of this browser is signed in.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api;

/// The field and its button.
#[function_component(SignIn)]
pub fn sign_in() -> Html {
    let input = use_node_ref();
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let submit = {
        let input = input.clone();
        let error = error.clone();
        let busy = busy.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(field) = input.cast::<HtmlInputElement>() else {
                return;
            };
            let token = api::token_in(&field.value());
            let error = error.clone();
            let busy = busy.clone();
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match api::sign_in(&token).await {
                    Ok(()) => {
                        // Start afresh, signed in: the link, the list, the page the user is on.
                        if let Some(window) = web_sys::window() {
                            let _ = window.location().reload();
                        }
                    }
                    Err(e) => {
                        error.set(Some(e.message));
                        busy.set(false);
                    }
                }
            });
        })
    };
    let clear = {
        let error = error.clone();
        Callback::from(move |_: InputEvent| error.set(None))
    };
    html! {
        <section class="sign-in" id="sign-in" aria-labelledby="sign-in-title">
            <h1 id="sign-in-title">{ "Sign in to berth" }</h1>
            <p>{ "berth needs the access token it printed at start. Open the address it printed (it ends in " }
                <code>{ "?token=…" }</code>{ "), or paste the token or that address here. Every tab of this browser is then signed in." }</p>
            <form onsubmit={submit}>
                <label for="token-field">{ "Access token" }</label>
                <input id="token-field" ref={input} type="password" autocomplete="off" spellcheck="false"
                    required=true oninput={clear}
                    aria-invalid={error.is_some().then_some("true")}
                    aria-describedby={error.is_some().then_some("sign-in-error")} />
                <button type="submit" disabled={*busy}>{ if *busy { "Checking…" } else { "Sign in" } }</button>
            </form>
            if let Some(message) = (*error).clone() {
                <p class="error-text" id="sign-in-error" role="alert">{ message }</p>
            }
        </section>
    }
}
