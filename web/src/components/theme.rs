//! The light/dark theme: the toggle in the header of every page (dashboard and lab), kept in
//! `localStorage` under the key index.html's inline script reads before the first paint.

use yew::prelude::*;

const THEME_KEY: &str = "berth-theme";

fn stored_theme() -> String {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(THEME_KEY).ok().flatten())
        .unwrap_or_else(|| "auto".to_owned())
}

fn apply_theme(theme: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Some(root) = window.document().and_then(|d| d.document_element()) {
        if theme == "auto" {
            let _ = root.remove_attribute("data-theme");
        } else {
            let _ = root.set_attribute("data-theme", theme);
        }
    }
    if let Ok(Some(s)) = window.local_storage() {
        let _ = s.set_item(THEME_KEY, theme);
    }
}

/// The button that cycles system → dark → light.
#[function_component(ThemeToggle)]
pub fn theme_toggle() -> Html {
    let theme = use_state(stored_theme);
    let toggle = {
        let theme = theme.clone();
        Callback::from(move |_| {
            let next = match theme.as_str() {
                "auto" => "dark",
                "dark" => "light",
                _ => "auto",
            };
            apply_theme(next);
            theme.set(next.to_owned());
        })
    };
    let label = match theme.as_str() {
        "dark" => "Theme: dark",
        "light" => "Theme: light",
        _ => "Theme: system",
    };
    html! {
        <button type="button" class="theme-toggle" onclick={toggle} title="Switch light/dark theme">{ label }</button>
    }
}
