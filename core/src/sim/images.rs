//! The images the simulated engine has: each image a container was made from (as if pulled
//! before), and each one pulled. An image is a name and an ID; it has no layers, and its
//! default command is busybox's `/bin/sh`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::names::digest;
use crate::time::Time;

/// An image of the simulated engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    /// `sha256:…`, derived from its reference, so the same name is always the same image.
    pub id: String,
    /// Its reference, normalized: `nginx` is `nginx:latest`.
    pub tag: String,
    /// When the engine got it.
    pub created: Time,
    /// Its size in bytes (busybox's, for every image: nothing is stored).
    pub size: i64,
}

/// The size every simulated image reports: the static busybox image of `../shared/ENGINE.md`.
pub const IMAGE_SIZE: i64 = 1_982_305;

/// `name` with the tag the engine adds when there is none (`:latest`); a digest reference
/// (`name@sha256:…`) is kept as it is.
pub fn normalize(name: &str) -> String {
    let last = name.rsplit('/').next().unwrap_or(name);
    if name.contains('@') || last.contains(':') || name.starts_with("sha256:") {
        name.to_owned()
    } else {
        format!("{name}:latest")
    }
}

/// Whether `name` is a reference the engine accepts: lowercase path components of letters,
/// digits and separators, and an optional tag.
pub fn is_valid_reference(name: &str) -> bool {
    let (path, tag) = match name.rsplit_once(':') {
        Some((p, t)) if !t.contains('/') => (p, Some(t)),
        _ => (name, None),
    };
    let component = |c: &str| {
        !c.is_empty()
            && c.chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "._-".contains(ch))
            && c.starts_with(|ch: char| ch.is_ascii_alphanumeric())
    };
    let tag_ok = tag.is_none_or(|t| {
        !t.is_empty()
            && t.len() <= 128
            && t.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "._-".contains(ch))
    });
    !path.is_empty() && path.split('/').all(component) && tag_ok
}

/// The images, by normalized reference.
#[derive(Debug, Clone, Default)]
pub struct Images {
    by_tag: BTreeMap<String, Image>,
}

impl Images {
    /// The image named `name`, adding it (got at `now`) if the engine has not got it. Whether it
    /// was added.
    pub fn get_or_add(&mut self, name: &str, now: Time) -> (Image, bool) {
        let tag = normalize(name);
        if let Some(image) = self.by_tag.get(&tag) {
            return (image.clone(), false);
        }
        let image = Image {
            id: format!("sha256:{}", digest(&tag)),
            tag: tag.clone(),
            created: now,
            size: IMAGE_SIZE,
        };
        self.by_tag.insert(tag, image.clone());
        (image, true)
    }

    /// The image `reference` names: its name (normalized), its ID, or a unique ID prefix.
    pub fn find(&self, reference: &str) -> Option<&Image> {
        if let Some(image) = self.by_tag.get(&normalize(reference)) {
            return Some(image);
        }
        let hex = reference.strip_prefix("sha256:").unwrap_or(reference);
        if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let mut found = self
            .by_tag
            .values()
            .filter(|i| i.id.trim_start_matches("sha256:").starts_with(hex));
        match (found.next(), found.next()) {
            (Some(image), None) => Some(image),
            _ => None,
        }
    }

    /// Every image, newest first.
    pub fn list(&self) -> Vec<Image> {
        let mut all: Vec<Image> = self.by_tag.values().cloned().collect();
        all.sort_by(|a, b| b.created.cmp(&a.created).then_with(|| a.tag.cmp(&b.tag)));
        all
    }
}
