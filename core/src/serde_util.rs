//! Serde helpers for the engine's JSON, where Go writes `null` for empty slices and maps.

use serde::{Deserialize, Deserializer};

/// Reads `null` as the type's default (Go's nil slice or map).
pub fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}
