//! The dashboard's routes and its router: the address bar's path read as a [`Route`], changed
//! with the History API (`pushState`) when a [`Link`] is followed, and read again on Back and
//! Forward (`popstate`). Three routes need none of a general router's machinery: yew-router and
//! what it brings cost the dashboard's first load 23 KB gzipped (`docs/BENCHMARKS.md`).

use std::rc::Rc;

use gloo::events::EventListener;
use yew::prelude::*;

/// Where the lab is: a page of its own (its own wasm, `dist/lab/`), so a plain link from the
/// dashboard, not a [`Route`].
pub const LAB_PATH: &str = "/lab";

/// The dashboard's pages. The lab ([`LAB_PATH`]) is a page of its own, outside this router.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/`: the containers list.
    Containers,
    /// `/containers/{id}`: one container, by ID, unique ID prefix or name.
    Container {
        /// An ID, a unique ID prefix or a name.
        id: String,
    },
    /// `/history`: the history scrubber.
    History,
    /// Anything else.
    NotFound,
}

impl Route {
    /// The route of a path (without query or fragment). A trailing slash is allowed.
    pub fn from_path(path: &str) -> Route {
        let path = match path.strip_suffix('/') {
            Some(p) if !p.is_empty() => p,
            _ => path,
        };
        match path {
            "" | "/" | "/index.html" => Route::Containers,
            "/history" => Route::History,
            _ => match path.strip_prefix("/containers/") {
                Some(segment) if !segment.is_empty() && !segment.contains('/') => {
                    match percent_decode(segment) {
                        Some(id) if !id.is_empty() => Route::Container { id },
                        _ => Route::NotFound,
                    }
                }
                _ => Route::NotFound,
            },
        }
    }

    /// The path of the route.
    pub fn to_path(&self) -> String {
        match self {
            Route::Containers => "/".to_owned(),
            Route::Container { id } => format!("/containers/{}", percent_encode(id)),
            Route::History => "/history".to_owned(),
            Route::NotFound => "/404".to_owned(),
        }
    }
}

/// `s` with every byte outside RFC 3986's unreserved set written as `%XX`.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
    }
    out
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// `s` with its `%XX` escapes decoded; `None` for a broken escape or bytes that are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = char::from(*bytes.get(i + 1)?).to_digit(16)?;
            let lo = char::from(*bytes.get(i + 2)?).to_digit(16)?;
            out.push(u8::try_from(hi * 16 + lo).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The route the address bar shows now.
/// Sets the tab's title: `what · berth`.
pub fn set_title(what: &str) {
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        doc.set_title(&format!("{what} \u{b7} berth"));
    }
}

/// The value of `name` in the address bar's query (`?q=status%3Dexited`), decoded.
pub fn current_query(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

/// Sets `name` in the address bar's query to `value` (drops it when `value` is empty), keeping
/// the path and the other parameters, without a new history entry: Back still leaves the page,
/// and a reload or a shared link finds the value again.
pub fn replace_query(name: &str, value: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    let search = location.search().unwrap_or_default();
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) else {
        return;
    };
    if params.get(name).unwrap_or_default() == value {
        return;
    }
    if value.is_empty() {
        params.delete(name);
    } else {
        params.set(name, value);
    }
    let query = String::from(params.to_string());
    let path = location.pathname().unwrap_or_else(|_| "/".to_owned());
    let url = if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

fn current() -> Route {
    web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .map(|p| Route::from_path(&p))
        .unwrap_or(Route::Containers)
}

/// What [`Router`] gives the components below it.
#[derive(Clone, PartialEq)]
struct Nav {
    route: Route,
    go: Callback<Route>,
}

/// Props of [`Router`].
#[derive(Properties, PartialEq)]
pub struct RouterProps {
    /// The app.
    pub children: Html,
}

/// Keeps the current [`Route`] for the components below it.
#[function_component(Router)]
pub fn router(p: &RouterProps) -> Html {
    let route = use_state(current);
    {
        let route = route.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window()
                .map(|w| EventListener::new(&w, "popstate", move |_| route.set(current())));
            move || drop(listener)
        });
    }
    let go = {
        let route = route.clone();
        Callback::from(move |to: Route| {
            if let Some(w) = web_sys::window() {
                if let Ok(history) = w.history() {
                    let _ = history.push_state_with_url(
                        &wasm_bindgen::JsValue::NULL,
                        "",
                        Some(&to.to_path()),
                    );
                }
                w.scroll_to_with_x_and_y(0.0, 0.0);
            }
            route.set(to);
        })
    };
    let nav = Nav {
        route: (*route).clone(),
        go,
    };
    html! {
        <ContextProvider<Nav> context={nav}>{ p.children.clone() }</ContextProvider<Nav>>
    }
}

/// The current route (below [`Router`]; [`Route::NotFound`] elsewhere).
#[hook]
pub fn use_route() -> Route {
    use_context::<Nav>()
        .map(|n| n.route)
        .unwrap_or(Route::NotFound)
}

/// Props of [`Link`].
#[derive(Properties, PartialEq)]
pub struct LinkProps {
    /// Where it goes.
    pub to: Route,
    /// What it shows.
    #[prop_or_default]
    pub children: Html,
}

/// A link to a dashboard page: a real `<a href>` (it opens in a new tab, can be copied), which
/// a plain click follows without reloading the page.
#[function_component(Link)]
pub fn link(p: &LinkProps) -> Html {
    let nav = use_context::<Nav>();
    let onclick = {
        let to = Rc::new(p.to.clone());
        Callback::from(move |e: MouseEvent| {
            let plain =
                e.button() == 0 && !(e.ctrl_key() || e.meta_key() || e.shift_key() || e.alt_key());
            if let (true, Some(nav)) = (plain, nav.as_ref()) {
                e.prevent_default();
                nav.go.emit((*to).clone());
            }
        })
    };
    html! { <a href={p.to.to_path()} {onclick}>{ p.children.clone() }</a> }
}

#[cfg(test)]
mod tests {
    use super::Route;

    #[test]
    fn reads_paths() {
        assert_eq!(Route::from_path("/"), Route::Containers);
        assert_eq!(Route::from_path("/index.html"), Route::Containers);
        assert_eq!(Route::from_path("/history"), Route::History);
        assert_eq!(Route::from_path("/history/"), Route::History);
        assert_eq!(
            Route::from_path("/containers/web-1"),
            Route::Container { id: "web-1".into() }
        );
        assert_eq!(
            Route::from_path("/containers/a%20b%C3%A9/"),
            Route::Container { id: "a bé".into() }
        );
        for bad in [
            "/containers/",
            "/containers/a/b",
            "/containers/%zz",
            "/containers/%C3",
            "/lab2",
            "/historyx",
        ] {
            assert_eq!(Route::from_path(bad), Route::NotFound, "{bad}");
        }
    }

    #[test]
    fn paths_read_back() {
        for route in [
            Route::Containers,
            Route::History,
            Route::Container {
                id: "0123abcd".into(),
            },
            Route::Container {
                id: "web_1.x-y".into(),
            },
            Route::Container {
                id: "a/b c%é".into(),
            },
        ] {
            assert_eq!(
                Route::from_path(&route.to_path()),
                route,
                "{}",
                route.to_path()
            );
        }
        assert_eq!(
            Route::Container { id: "a/b".into() }.to_path(),
            "/containers/a%2Fb"
        );
    }
}
