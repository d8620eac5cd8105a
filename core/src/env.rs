//! Ports the container package's `ReplaceOrAppendEnvValues`: merging `KEY=value` overrides into
//! default environment entries.

/// Returns `defaults` with `overrides` applied: an override `KEY=value` replaces the default with
/// the same key in place, or is appended; an override `KEY` without `=` removes that key. The
/// defaults keep their order.
///
/// Follows the reference exactly, including its edges: only keys present in the defaults are
/// replaced (two overrides of a new key are both appended), and an empty entry is dropped. A
/// default without `=` is keyed by the whole entry (where the reference panics).
pub fn replace_or_append_env_values(defaults: &[String], overrides: &[String]) -> Vec<String> {
    let mut out: Vec<Option<String>> = defaults.iter().map(|d| Some(d.clone())).collect();
    let mut index_of: std::collections::HashMap<&str, usize> =
        std::collections::HashMap::with_capacity(defaults.len());
    for (i, entry) in defaults.iter().enumerate() {
        let key = entry.split_once('=').map_or(entry.as_str(), |(k, _)| k);
        index_of.insert(key, i);
    }
    for value in overrides {
        match value.split_once('=') {
            None => {
                if let Some(&i) = index_of.get(value.as_str()) {
                    out[i] = None;
                }
            }
            Some((key, _)) => match index_of.get(key) {
                Some(&i) => out[i] = Some(value.clone()),
                None => out.push(Some(value.clone())),
            },
        }
    }
    out.into_iter()
        .flatten()
        .filter(|e| !e.is_empty())
        .collect()
}
