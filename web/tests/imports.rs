//! No file of `web/src` uses a file that uses it back, directly or through others: the modules
//! form layers (the store and the router below the components, the components below the pages,
//! the pages below the app).
//!
//! The test reads the sources. A file depends on another when one of its code lines names a path
//! into it: `crate::…`, `super::…`, or, in a module with children, `child::…`.

#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, with its module path (`["lab", "panels"]`; `[]` for lib.rs).
fn modules(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap_or(&path);
            let mut parts: Vec<String> = rel
                .with_extension("")
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            // Binaries are crates of their own, not modules of this one.
            if parts.first().is_some_and(|p| p == "bin") || parts == ["main"] {
                continue;
            }
            if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
                parts.pop();
            }
            out.insert(parts, path);
        }
    }
    out
}

/// The code of a file: comment lines and `#[cfg(test)]` modules left out.
fn code_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut in_tests = false;
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") {
            in_tests = true;
        }
        if in_tests || t.starts_with("//") {
            continue;
        }
        lines.push(line);
    }
    lines
}

/// The paths a line names that start with `head::` (`crate`, `super` or a child module), as
/// their segments after it.
fn paths_after<'a>(line: &'a str, head: &str) -> Vec<Vec<&'a str>> {
    let needle = format!("{head}::");
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find(&needle) {
        let before = rest[..at].chars().next_back();
        let tail = &rest[at + needle.len()..];
        rest = tail;
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let mut segments = Vec::new();
        let mut s = tail;
        loop {
            let end = s
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(s.len());
            if end == 0 {
                break;
            }
            segments.push(&s[..end]);
            match s[end..].strip_prefix("::") {
                Some(next) => s = next,
                None => break,
            }
        }
        out.push(segments);
    }
    out
}

/// The file a path (from the crate root) lands in: its longest prefix that is a module.
fn resolve(path: &[String], mods: &BTreeMap<Vec<String>, PathBuf>) -> Option<Vec<String>> {
    (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|prefix| mods.contains_key(prefix))
}

fn dependencies(src: &Path) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mods = modules(src);
    let mut deps = BTreeMap::new();
    for (module, file) in &mods {
        let text =
            std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let is_dir_module = file
            .file_name()
            .is_some_and(|n| n == "mod.rs" || n == "lib.rs");
        // `super` of a file is its parent module; of a mod.rs, the module above it.
        let parent: Vec<String> = module[..module.len().saturating_sub(1)].to_vec();
        let children: Vec<String> = mods
            .keys()
            .filter(|k| k.len() == module.len() + 1 && k.starts_with(module))
            .filter_map(|k| k.last().cloned())
            .collect();
        let mut out = BTreeSet::new();
        for line in code_lines(&text) {
            let mut named: Vec<Vec<String>> = Vec::new();
            for p in paths_after(line, "crate") {
                named.push(p.iter().map(|s| (*s).to_owned()).collect());
            }
            for p in paths_after(line, "super") {
                let mut full = parent.clone();
                full.extend(p.iter().map(|s| (*s).to_owned()));
                named.push(full);
            }
            if is_dir_module {
                for child in &children {
                    for p in paths_after(line, child) {
                        let mut full = module.clone();
                        full.push(child.clone());
                        full.extend(p.iter().map(|s| (*s).to_owned()));
                        named.push(full);
                    }
                }
            }
            for path in named {
                if let Some(target) = resolve(&path, &mods) {
                    if &target != module {
                        out.insert(target);
                    }
                }
            }
        }
        deps.insert(module.clone(), out);
    }
    deps
}

/// A cycle through `start`, if there is one.
fn cycle_from(
    start: &Vec<String>,
    deps: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
) -> Option<Vec<Vec<String>>> {
    let mut stack = vec![(start.clone(), vec![start.clone()])];
    let mut seen = BTreeSet::new();
    while let Some((at, path)) = stack.pop() {
        for next in deps.get(&at).into_iter().flatten() {
            if next == start {
                let mut cycle = path.clone();
                cycle.push(start.clone());
                return Some(cycle);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

fn name(module: &[String]) -> String {
    if module.is_empty() {
        "lib".to_owned()
    } else {
        module.join("::")
    }
}

#[test]
fn no_file_uses_a_file_that_uses_it_back() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let deps = dependencies(&src);
    assert!(
        deps.contains_key(&vec!["store".to_owned()]) && deps.len() > 20,
        "the modules were not read: {:?}",
        deps.keys().collect::<Vec<_>>()
    );
    let cycles: Vec<String> = deps
        .keys()
        .filter_map(|m| cycle_from(m, &deps))
        .map(|c| c.iter().map(|m| name(m)).collect::<Vec<_>>().join(" → "))
        .collect();
    assert!(cycles.is_empty(), "import circles:\n{}", cycles.join("\n"));
}

#[test]
fn the_reader_sees_every_kind_of_path() {
    assert_eq!(
        paths_after("use crate::store::{use_dash, Msg};", "crate"),
        vec![vec!["store"]]
    );
    assert_eq!(
        paths_after("let x = crate::route::set_title(t); mycrate::x", "crate"),
        vec![vec!["route", "set_title"]]
    );
    assert_eq!(
        paths_after("<panels::Center state={v} />", "panels"),
        vec![vec!["Center"]]
    );
}
