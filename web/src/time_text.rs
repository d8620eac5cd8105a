//! Times and spans in words, for every page: the wall clock, the lab's virtual clock, delays,
//! spans and how long ago.

use berth_core::time::{human_duration, Duration, Time};
use yew::prelude::*;

/// A time as the local wall clock, `14:03:05`.
pub fn clock(t: Time) -> String {
    let ms = t.unix_nanos().map(|n| n / 1_000_000).unwrap_or(0);
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    d.to_locale_time_string("en-GB")
        .as_string()
        .unwrap_or_default()
}

/// A delay in words: "400 ms", "1.6 s", "1 minute".
pub fn delay_text(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        let tenths = ms / 100;
        if tenths % 10 == 0 {
            format!("{} s", tenths / 10)
        } else {
            format!("{}.{} s", tenths / 10, tenths % 10)
        }
    } else {
        human_duration(d).to_lowercase()
    }
}

/// A span of milliseconds in words: "250 ms", "3 s", "3 hours".
pub fn span_text(ms: i64) -> String {
    if ms < 60_000 {
        delay_text(Duration::from_millis(ms))
    } else {
        human_duration(Duration::from_millis(ms)).to_lowercase()
    }
}

/// The clock as `HH:MM:SS.mmm` (UTC).
pub fn clock_text(t: Time) -> String {
    let Some(nanos) = t.unix_nanos() else {
        return "never".to_owned();
    };
    let ms = nanos.div_euclid(1_000_000);
    let day_ms = ms.rem_euclid(86_400_000);
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        day_ms / 3_600_000,
        day_ms / 60_000 % 60,
        day_ms / 1000 % 60,
        day_ms % 1000
    )
}

/// How long after the session's start `t` is: "+1.300 s", "+3 h 0 min".
pub fn elapsed_text(start: Time, t: Time) -> String {
    let ms = t.since(start).as_millis().max(0);
    if ms < 60_000 {
        format!("+{}.{:03} s", ms / 1000, ms % 1000)
    } else if ms < 3_600_000 {
        format!("+{} min {} s", ms / 60_000, ms / 1000 % 60)
    } else {
        format!("+{} h {} min", ms / 3_600_000, ms / 60_000 % 60)
    }
}

/// A time as the engine writes it (RFC 3339), with how long ago; "never" for the zero time.
pub fn time_cell(t: Time, now: Time) -> Html {
    if t.is_zero() {
        return html! { <span class="muted">{ "never (0001-01-01T00:00:00Z)" }</span> };
    }
    html! {
        <span title={t.to_rfc3339()}>
            <code>{ t.to_rfc3339() }</code>
            <span class="muted">{ format!(" — {} ago", human_duration(now.since(t)).to_lowercase()) }</span>
        </span>
    }
}
