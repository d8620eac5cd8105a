//! `docker ps` filters: the daemon's `daemon/list.go` (`foldFilter`, `filterByNameIDMatches`,
//! `includeContainerInList`, `idOrNameFilter`, `portOp`) and the `api/types/filters` package
//! (`Args`, `FromJSON`, `Match`, `ExactMatch`, `MatchKVList`, `Validate`), over a [`View`].
//!
//! [`Filters`] is the engine's `filters.Args`: key → set of values, parsed from the `filters`
//! query parameter (both JSON forms) or from the CLI's `key=value` pairs. Different keys are
//! ANDed; the values of one key are ORed, except `label`, whose values must all hold. A filter is
//! compiled once against a view ([`Filters::compile`]: regexes built, references resolved, the
//! name/ID candidates found) and the [`CompiledFilter`] is then a pure predicate, cheap enough
//! to re-run over thousands of snapshots on every keystroke. [`list`] adds the rest of
//! `docker ps`: running containers only unless `all` (or a `status` filter, or a limit), newest
//! first, at most `limit`.
//!
//! Where a filter needs more than a view holds (the image store for `ancestor`), the limitation
//! is stated on the item.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::sync::Arc;

use regex_lite::Regex;
use serde_json::Value;

use crate::errdefs::{ErrorKind, HasKind};
use crate::health::HealthStatus;
use crate::state::is_valid_state_string;
use crate::time::Time;
use crate::view::{Snapshot, View};

/// The keys `docker ps` accepts (`acceptedPsFilterTags`), in sorted order.
pub const ACCEPTED_KEYS: [&str; 15] = [
    "ancestor",
    "before",
    "expose",
    "exited",
    "health",
    "id",
    "is-task",
    "isolation",
    "label",
    "name",
    "network",
    "publish",
    "since",
    "status",
    "volume",
];

/// Why a filter was refused, in the engine's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// The `filters` parameter is JSON of neither form (`filters.FromJSON`).
    #[error("invalid filter")]
    Malformed,
    /// A key `docker ps` does not know (`Args.Validate`).
    #[error("invalid filter '{0}'")]
    UnknownKey(String),
    /// A `status` that is not a state string, or an `is-task` that is neither `true` nor
    /// `false` (the daemon's `invalidFilter`; for `is-task` the value is Go's `%s` of the list,
    /// `[a b]`).
    #[error("invalid filter '{key}={value}'")]
    InvalidValue {
        /// The filter key.
        key: String,
        /// The value as the engine prints it.
        value: String,
    },
    /// A `health` that is not one of the four statuses.
    #[error("Unrecognised filter value for health: {0}")]
    InvalidHealth(String),
    /// An `exited` that is not an integer: `strconv.Atoi`'s own error, unwrapped.
    #[error("{0}")]
    InvalidExitCode(NumError),
    /// A `publish` or `expose` with a host part.
    #[error("filter for '{key}' should not contain ':': {value}")]
    PortWithColon {
        /// `publish` or `expose`.
        key: String,
        /// The value.
        value: String,
    },
    /// A `publish` or `expose` that is not `port[-port][/proto]`.
    #[error("error while looking up for {key} {value}: {reason}")]
    InvalidPort {
        /// `publish` or `expose`.
        key: String,
        /// The value.
        value: String,
        /// go-connections' `ParsePortRange` error.
        reason: String,
    },
    /// A `before` or `since` that names no container (or a name two containers answer to).
    #[error("No such container: {0}")]
    NoSuchContainer(String),
    /// A CLI token without `=` (docker/cli's `ErrBadFormat`).
    #[error("bad format of filter (expected name=value)")]
    BadFormat {
        /// The token.
        token: String,
    },
}

impl HasKind for FilterError {
    /// The engine's classification. `exited` and port errors are plain Go errors the engine
    /// answers with 500, so they are [`ErrorKind::System`] here too.
    fn kind(&self) -> ErrorKind {
        match self {
            FilterError::NoSuchContainer(_) => ErrorKind::NotFound,
            FilterError::InvalidExitCode(_)
            | FilterError::PortWithColon { .. }
            | FilterError::InvalidPort { .. } => ErrorKind::System,
            FilterError::Malformed
            | FilterError::UnknownKey(_)
            | FilterError::InvalidValue { .. }
            | FilterError::InvalidHealth(_)
            | FilterError::BadFormat { .. } => ErrorKind::InvalidParameter,
        }
    }
}

/// Go's `strconv.NumError`: `strconv.{func}: parsing "{input}": {reason}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumError {
    /// The Go function, e.g. `Atoi`.
    pub func: &'static str,
    /// The text that did not parse.
    pub input: String,
    /// Syntax or range.
    pub reason: NumErrorReason,
}

/// Why a number did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumErrorReason {
    /// `invalid syntax`.
    Syntax,
    /// `value out of range`.
    Range,
}

impl fmt::Display for NumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = match self.reason {
            NumErrorReason::Syntax => "invalid syntax",
            NumErrorReason::Range => "value out of range",
        };
        write!(
            f,
            "strconv.{}: parsing {}: {}",
            self.func,
            go_quote(&self.input),
            reason
        )
    }
}

impl std::error::Error for NumError {}

/// The engine's `filters.Args`: key → set of values.
///
/// Each value carries the boolean of the engine's set form (`{"status":{"running":true}}`);
/// values added any other way are `true`. Only exact-match filters (`health`, `is-task`, and the
/// exact half of `Match`) look at it; every other use takes the value whatever its boolean, as
/// the engine does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    fields: BTreeMap<String, BTreeMap<String, bool>>,
}

impl Filters {
    /// No filters.
    pub fn new() -> Filters {
        Filters::default()
    }

    /// `filters.FromJSON`: the `filters` query parameter, as a map of key → list of values
    /// (`{"status":["running"]}`) or of key → set (`{"status":{"running":true}}`). An empty
    /// string or `null` is no filters; anything else fails with [`FilterError::Malformed`].
    pub fn from_json(s: &str) -> Result<Filters, FilterError> {
        if s.is_empty() {
            return Ok(Filters::new());
        }
        let value: Value = serde_json::from_str(s).map_err(|_| FilterError::Malformed)?;
        let object = match value {
            Value::Null => return Ok(Filters::new()),
            Value::Object(object) => object,
            _ => return Err(FilterError::Malformed),
        };
        Filters::from_sets(&object)
            .or_else(|| Filters::from_lists(&object))
            .ok_or(FilterError::Malformed)
    }

    /// The set form, as Go decodes `map[string]map[string]bool` (a `null` reads as empty/false).
    fn from_sets(object: &serde_json::Map<String, Value>) -> Option<Filters> {
        let mut fields = BTreeMap::new();
        for (key, set) in object {
            let mut values = BTreeMap::new();
            match set {
                Value::Null => {}
                Value::Object(set) => {
                    for (value, flag) in set {
                        let flag = match flag {
                            Value::Bool(b) => *b,
                            Value::Null => false,
                            _ => return None,
                        };
                        values.insert(value.clone(), flag);
                    }
                }
                _ => return None,
            }
            fields.insert(key.clone(), values);
        }
        Some(Filters { fields })
    }

    /// The list form, as Go decodes `map[string][]string` (a `null` element reads as `""`).
    fn from_lists(object: &serde_json::Map<String, Value>) -> Option<Filters> {
        let mut fields = BTreeMap::new();
        for (key, list) in object {
            let mut values = BTreeMap::new();
            match list {
                Value::Null => {}
                Value::Array(list) => {
                    for item in list {
                        let value = match item {
                            Value::String(s) => s.clone(),
                            Value::Null => String::new(),
                            _ => return None,
                        };
                        values.insert(value, true);
                    }
                }
                _ => return None,
            }
            fields.insert(key.clone(), values);
        }
        Some(Filters { fields })
    }

    /// The CLI's `--filter` values, whitespace-separated: `status=exited label=a=b`. Each token
    /// is split at its first `=`; the key is trimmed and lowercased, as docker/cli does. A token
    /// without `=` fails with [`FilterError::BadFormat`]. Keys and values are not validated here
    /// (the daemon does that: see [`Filters::validate`]).
    pub fn parse_cli(s: &str) -> Result<Filters, FilterError> {
        let mut filters = Filters::new();
        for token in s.split_whitespace() {
            if !filters.add_flag(token) {
                return Err(FilterError::BadFormat {
                    token: token.to_owned(),
                });
            }
        }
        Ok(filters)
    }

    /// The dashboard's filter box: whitespace-separated tokens, `key=value` ones are filters (as
    /// in [`Filters::parse_cli`]) and the others free-text words, returned in order. The filters
    /// are validated ([`Filters::validate`]), so a half-typed `status=runn` is reported at once.
    pub fn parse_query(s: &str) -> Result<(Filters, Vec<String>), FilterError> {
        let mut filters = Filters::new();
        let mut words = Vec::new();
        for token in s.split_whitespace() {
            if !filters.add_flag(token) {
                words.push(token.to_owned());
            }
        }
        filters.validate()?;
        Ok((filters, words))
    }

    /// docker/cli's `FilterOpt.Set` for one token; false when it has no `=`.
    fn add_flag(&mut self, token: &str) -> bool {
        match token.split_once('=') {
            Some((key, value)) => {
                self.add(&key.trim().to_lowercase(), value.trim());
                true
            }
            None => false,
        }
    }

    /// `Args.Add`: adds `value` to the set of `key`.
    pub fn add(&mut self, key: &str, value: &str) {
        self.fields
            .entry(key.to_owned())
            .or_default()
            .insert(value.to_owned(), true);
    }

    /// `Args.Del`: removes `value` from the set of `key`, and the key once its set is empty.
    pub fn remove(&mut self, key: &str, value: &str) {
        if let Some(values) = self.fields.get_mut(key) {
            values.remove(value);
            if values.is_empty() {
                self.fields.remove(key);
            }
        }
    }

    /// `Args.Get`: the values of `key`, sorted (empty when the key is absent).
    pub fn get(&self, key: &str) -> Vec<&str> {
        self.fields
            .get(key)
            .map(|values| values.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// `Args.Contains`: whether `key` is present (possibly with no values).
    pub fn contains(&self, key: &str) -> bool {
        self.fields.contains_key(key)
    }

    /// The keys, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.fields.keys().map(String::as_str)
    }

    /// `Args.Len`: how many keys.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The `filters` query parameter: `{"key":["v",…]}`, keys and values sorted; `{}` when empty.
    /// A filter holding a `false` value (only the set form can) is written in the set form, so
    /// that it reads back the same.
    pub fn to_json(&self) -> String {
        let all_true = self.fields.values().flat_map(|v| v.values()).all(|b| *b);
        let encoded = if all_true {
            let lists: BTreeMap<&str, Vec<&str>> = self
                .fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.keys().map(String::as_str).collect()))
                .collect();
            serde_json::to_string(&lists)
        } else {
            serde_json::to_string(&self.fields)
        };
        encoded.unwrap_or_else(|_| "{}".to_owned())
    }

    /// Every check the engine makes that needs no view: the keys, then `exited`, `status`,
    /// `is-task`, `health`, `publish` and `expose`, in the daemon's order. `before` and `since`
    /// are resolved (and refused) by [`Filters::compile`].
    pub fn validate(&self) -> Result<(), FilterError> {
        self.check_keys()?;
        self.exit_codes()?;
        self.statuses()?;
        self.is_task()?;
        self.health()?;
        self.port_ranges("publish")?;
        self.port_ranges("expose")?;
        Ok(())
    }

    /// Whether `s` passes the filters, with `before` and `since` resolved in `view`. This is the
    /// filters only: `docker ps`'s running-only default, order and limit are [`list`]'s. For
    /// more than one snapshot, [`Filters::compile`] once and use [`CompiledFilter::matches`].
    pub fn matches(&self, s: &Snapshot, view: &View) -> Result<bool, FilterError> {
        Ok(self.compile(view)?.matches(s))
    }

    /// `foldFilter` and `filterByNameIDMatches`: validates, resolves `before`/`since`, compiles
    /// the regexes and finds the name/ID candidates and the `ancestor` images, once.
    /// Time: O(n) in the view with `name` or `ancestor` filters, O(log n) per value otherwise.
    pub fn compile(&self, view: &View) -> Result<CompiledFilter, FilterError> {
        self.check_keys()?;
        let exited = self.exit_codes()?;
        let status = self.statuses()?;
        let is_task = self.is_task()?;
        let health = self.health()?;
        let before = self.reference("before", view)?;
        let since = self.reference("since", view)?;
        let publish = self.port_ranges("publish")?;
        let expose = self.port_ranges("expose")?;

        let name = self.pattern("name");
        let candidates = self.candidates(view, name.as_ref());
        let in_candidates = |s: &Snapshot| candidates.as_ref().is_none_or(|c| c.contains(s.id()));
        // The daemon walks the candidates newest first: a `before` container that is not among
        // them is never reached (everything stays excluded), a `since` one never stops the walk,
        // and neither does one that comes before the `before` container.
        let before = before.map(|b| {
            if in_candidates(&b) {
                Before::After(SortKey::of(&b))
            } else {
                Before::Never
            }
        });
        let since = since.and_then(|s| {
            let key = SortKey::of(&s);
            let reached = match &before {
                Some(Before::After(b)) => key.cmp(b) == Ordering::Greater,
                _ => true,
            };
            (in_candidates(&s) && reached).then_some(key)
        });

        Ok(CompiledFilter {
            candidates,
            before,
            since,
            name,
            id: self.pattern("id"),
            is_task,
            labels: self.labels(),
            isolation: self.pattern("isolation"),
            exited,
            implies_all: self.fields.get("status").is_some_and(|v| !v.is_empty()),
            status,
            health,
            volumes: self
                .fields
                .get("volume")
                .map(|v| v.keys().cloned().collect()),
            ancestors: self.ancestors(view),
            networks: self
                .fields
                .get("network")
                .map(|v| v.keys().cloned().collect()),
            publish,
            expose,
        })
    }

    /// All values of `key` (none when absent).
    fn values(&self, key: &str) -> impl Iterator<Item = &str> + '_ {
        self.fields
            .get(key)
            .into_iter()
            .flat_map(|v| v.keys().map(String::as_str))
    }

    fn check_keys(&self) -> Result<(), FilterError> {
        match self.keys().find(|k| !ACCEPTED_KEYS.contains(k)) {
            Some(k) => Err(FilterError::UnknownKey(k.to_owned())),
            None => Ok(()),
        }
    }

    fn exit_codes(&self) -> Result<Option<Vec<i64>>, FilterError> {
        let codes = self
            .values("exited")
            .map(go_atoi)
            .collect::<Result<Vec<_>, _>>()
            .map_err(FilterError::InvalidExitCode)?;
        Ok((!codes.is_empty()).then_some(codes))
    }

    /// The `status` values, validated. The engine matches them with `Match`; as no state
    /// string contains another, that is equality whatever the value's boolean.
    fn statuses(&self) -> Result<Option<Vec<String>>, FilterError> {
        if let Some(v) = self.values("status").find(|v| !is_valid_state_string(v)) {
            return Err(FilterError::InvalidValue {
                key: "status".to_owned(),
                value: v.to_owned(),
            });
        }
        Ok(self
            .fields
            .get("status")
            .filter(|v| !v.is_empty())
            .map(|v| v.keys().cloned().collect()))
    }

    fn is_task(&self) -> Result<Option<bool>, FilterError> {
        if !self.contains("is-task") {
            return Ok(None);
        }
        if self.exact_match("is-task", "true") {
            Ok(Some(true))
        } else if self.exact_match("is-task", "false") {
            Ok(Some(false))
        } else {
            Err(FilterError::InvalidValue {
                key: "is-task".to_owned(),
                value: format!("[{}]", self.get("is-task").join(" ")),
            })
        }
    }

    fn health(&self) -> Result<Option<Vec<HealthStatus>>, FilterError> {
        let mut wanted = Vec::new();
        for (value, flag) in self.fields.get("health").into_iter().flatten() {
            let status = value
                .parse::<HealthStatus>()
                .map_err(|_| FilterError::InvalidHealth(value.clone()))?;
            if *flag {
                wanted.push(status);
            }
        }
        // `ExactMatch`: no values means no filter.
        Ok(self
            .fields
            .get("health")
            .is_some_and(|v| !v.is_empty())
            .then_some(wanted))
    }

    fn port_ranges(&self, key: &str) -> Result<Vec<PortRange>, FilterError> {
        self.values(key).map(|v| PortRange::parse(key, v)).collect()
    }

    /// `ExactMatch`: no values matches anything; otherwise `source` must be a `true` value.
    fn exact_match(&self, key: &str, source: &str) -> bool {
        match self.fields.get(key) {
            None => true,
            Some(values) if values.is_empty() => true,
            Some(values) => values.get(source).copied().unwrap_or(false),
        }
    }

    /// `Match` compiled: `None` when the key has no values (which matches anything).
    fn pattern(&self, key: &str) -> Option<Pattern> {
        let values = self.fields.get(key).filter(|v| !v.is_empty())?;
        Some(Pattern::new(values))
    }

    fn labels(&self) -> Option<Vec<(String, Option<String>)>> {
        let values = self.fields.get("label").filter(|v| !v.is_empty())?;
        Some(
            values
                .keys()
                .map(|v| match v.split_once('=') {
                    Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
                    None => (v.clone(), None),
                })
                .collect(),
        )
    }

    /// `idOrNameFilter` for every value of `key`; the last one (in sorted order) is kept, as the
    /// daemon keeps whichever its map walk gives last.
    fn reference(&self, key: &str, view: &View) -> Result<Option<Arc<Snapshot>>, FilterError> {
        let mut found = None;
        for value in self.values(key) {
            found = Some(id_or_name(view, value)?);
        }
        Ok(found)
    }

    /// `filterByNameIDMatches`: with `id` filters, the containers a value is a unique ID prefix
    /// of; else, with `name` filters, those with a reserved name (with or without its slash)
    /// that matches. `None` when neither key has values.
    fn candidates(&self, view: &View, name: Option<&Pattern>) -> Option<BTreeSet<String>> {
        let mut ids = self.values("id").peekable();
        if ids.peek().is_some() {
            return Some(ids.filter_map(|id| view.get_by_prefix(id).ok()).collect());
        }
        let name = name?;
        Some(
            view.names()
                .filter(|(n, _)| name.matches_name(n))
                .map(|(_, id)| id.to_owned())
                .collect(),
        )
    }

    /// The image IDs the `ancestor` values resolve to (`None` without the key). Without the
    /// image store a value resolves by the images the view's containers were created from: a
    /// reference equal, once normalized (`busybox` = `docker.io/library/busybox:latest`), to a
    /// container's `Image` gives that container's image ID; otherwise a full image ID or an ID
    /// prefix unique among the view's image IDs. Unlike the engine, images derived from the
    /// ancestor are not included, and a tag moved since a container was created still names
    /// that container's image.
    fn ancestors(&self, view: &View) -> Option<BTreeSet<String>> {
        let values = self.fields.get("ancestor")?;
        let mut ids = BTreeSet::new();
        if values.is_empty() {
            return Some(ids);
        }
        // Each distinct (image, image ID) pair once: a view holds few images.
        let pairs: BTreeSet<(&str, &str)> = view
            .iter()
            .map(|s| (s.summary.image.as_str(), s.summary.image_id.as_str()))
            .collect();
        let images: Vec<(Option<String>, &str)> = pairs
            .into_iter()
            .map(|(image, id)| (normalize_image_ref(image), id))
            .collect();
        for value in values.keys() {
            let by_name: HashSet<&str> = match normalize_image_ref(value) {
                Some(wanted) => images
                    .iter()
                    .filter(|(n, _)| n.as_deref() == Some(wanted.as_str()))
                    .map(|(_, id)| *id)
                    .collect(),
                None => HashSet::new(),
            };
            if !by_name.is_empty() {
                ids.extend(by_name.into_iter().map(str::to_owned));
                continue;
            }
            if let Some(id) = image_by_id_prefix(value, images.iter().map(|(_, id)| *id)) {
                ids.insert(id.to_owned());
            }
        }
        Some(ids)
    }
}

/// `ListOptions` of `GET /containers/json`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// Show stopped containers too (`all=1`, `docker ps -a`).
    pub all: bool,
    /// At most this many, newest first (`limit=n`, `docker ps -n`; `-l` is a limit of 1). A
    /// limit also shows stopped containers. `Some(0)` is no limit, as the engine reads 0.
    pub limit: Option<usize>,
    /// The filters.
    pub filters: Filters,
}

/// `daemon.Containers`: the snapshots `docker ps` lists, newest first (by creation time with
/// nanoseconds, then by ID). Time: O(n log n) in the view.
pub fn list(view: &View, opts: &ListOptions) -> Result<Vec<Arc<Snapshot>>, FilterError> {
    let filter = opts.filters.compile(view)?;
    Ok(filter.list(view, opts.all, opts.limit))
}

/// A [`Filters`] compiled against one view: regexes built, `before`/`since` resolved, name/ID
/// candidates and `ancestor` images found. Matching is then pure and allocation-free.
#[derive(Debug, Clone)]
pub struct CompiledFilter {
    candidates: Option<BTreeSet<String>>,
    before: Option<Before>,
    since: Option<SortKey>,
    name: Option<Pattern>,
    id: Option<Pattern>,
    is_task: Option<bool>,
    labels: Option<Vec<(String, Option<String>)>>,
    isolation: Option<Pattern>,
    exited: Option<Vec<i64>>,
    status: Option<Vec<String>>,
    implies_all: bool,
    health: Option<Vec<HealthStatus>>,
    volumes: Option<Vec<String>>,
    ancestors: Option<BTreeSet<String>>,
    networks: Option<Vec<String>>,
    publish: Vec<PortRange>,
    expose: Vec<PortRange>,
}

/// Where a `before` filter starts letting containers through.
#[derive(Debug, Clone)]
enum Before {
    /// Only after this position.
    After(SortKey),
    /// Never: the container was not among the name/ID candidates.
    Never,
}

/// A position in `docker ps` order: newest first, then by ID.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SortKey {
    created: Time,
    id: String,
}

impl SortKey {
    fn of(s: &Snapshot) -> SortKey {
        SortKey {
            created: s.created_at,
            id: s.id().to_owned(),
        }
    }

    /// Where `s` is relative to this position: `Less` when it comes before it.
    fn position_of(&self, s: &Snapshot) -> Ordering {
        self.created
            .cmp(&s.created_at)
            .then_with(|| s.id().cmp(self.id.as_str()))
    }
}

impl Ord for SortKey {
    fn cmp(&self, other: &SortKey) -> Ordering {
        other
            .created
            .cmp(&self.created)
            .then_with(|| self.id.cmp(&other.id))
    }
}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &SortKey) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// `docker ps` order: newest first, then by ID.
fn list_order(a: &Snapshot, b: &Snapshot) -> Ordering {
    b.created_at
        .cmp(&a.created_at)
        .then_with(|| a.id().cmp(b.id()))
}

impl CompiledFilter {
    /// Whether a `status` filter is given, which makes the engine list stopped containers
    /// without `all`.
    pub fn implies_all(&self) -> bool {
        self.implies_all
    }

    /// `includeContainerInList` without the running-only default and the limit: whether `s`
    /// passes every filter. `s` should come from the view the filter was compiled against.
    pub fn matches(&self, s: &Snapshot) -> bool {
        if let Some(c) = &self.candidates {
            if !c.contains(s.id()) {
                return false;
            }
        }
        match &self.before {
            Some(Before::Never) => return false,
            Some(Before::After(key)) if key.position_of(s) != Ordering::Greater => return false,
            _ => {}
        }
        if let Some(key) = &self.since {
            if key.position_of(s) != Ordering::Less {
                return false;
            }
        }
        if let Some(p) = &self.name {
            if !p.matches_name(&s.name) {
                return false;
            }
        }
        if let Some(p) = &self.id {
            if !p.is_match(s.id()) {
                return false;
            }
        }
        if let Some(task) = self.is_task {
            if task != s.managed {
                return false;
            }
        }
        if let Some(labels) = &self.labels {
            if !match_kv_list(labels, &s.summary.labels) {
                return false;
            }
        }
        if let Some(p) = &self.isolation {
            if !isolation_matches(p, s) {
                return false;
            }
        }
        if let Some(codes) = &self.exited {
            if s.running || s.started_at.is_zero() || !codes.contains(&s.exit_code) {
                return false;
            }
        }
        if let Some(states) = &self.status {
            if !states.contains(&s.summary.state) {
                return false;
            }
        }
        if let Some(wanted) = &self.health {
            if !wanted.contains(&s.health) {
                return false;
            }
        }
        if let Some(volumes) = &self.volumes {
            if !volumes.iter().any(|v| has_volume(s, v)) {
                return false;
            }
        }
        if let Some(ids) = &self.ancestors {
            if !ids.contains(&s.summary.image_id) {
                return false;
            }
        }
        if let Some(networks) = &self.networks {
            if !networks.iter().any(|n| on_network(s, n)) {
                return false;
            }
        }
        if !self.publish.is_empty() || !self.expose.is_empty() {
            let any = s.summary.ports.iter().any(|p| {
                self.publish
                    .iter()
                    .any(|r| r.contains(p.public_port, &p.r#type))
                    || self
                        .expose
                        .iter()
                        .any(|r| r.contains(p.private_port, &p.r#type))
            });
            if !any {
                return false;
            }
        }
        true
    }

    /// The `docker ps` list over `view` (the view compiled against): the matching snapshots,
    /// running ones only unless `all`, a `status` filter or a limit says otherwise, newest first,
    /// at most `limit` (`Some(0)` is none). Time: O(n + m log m) for m matches.
    pub fn list(&self, view: &View, all: bool, limit: Option<usize>) -> Vec<Arc<Snapshot>> {
        let limit = limit.filter(|n| *n > 0);
        let stopped_too = all || limit.is_some() || self.implies_all;
        let mut out: Vec<Arc<Snapshot>> = view
            .iter()
            .filter(|s| (stopped_too || s.running) && self.matches(s))
            .cloned()
            .collect();
        out.sort_unstable_by(|a, b| list_order(a, b));
        if let Some(n) = limit {
            out.truncate(n);
        }
        out
    }
}

/// `Args.Match` for one key: an exact `true` value, or any value as a Go regexp found in the
/// source. A value that is not a valid regexp only matches exactly, as in the engine.
///
/// Matched with `regex-lite` (small enough for the browser's wasm, and the same engine in the
/// adapter and the dashboard). Its syntax is Go's RE2 but for `\Q…\E` (translated here) and
/// Unicode classes (`\pL`, `\p{Greek}`): a value with one does not compile and matches only
/// exactly; and `(?i)` folds ASCII letters only. Like Go's, its `\d`, `\w`, `\s` and `\b` are
/// ASCII-only.
#[derive(Debug, Clone)]
struct Pattern {
    exact: HashSet<String>,
    regexes: Vec<Regex>,
}

impl Pattern {
    fn new(values: &BTreeMap<String, bool>) -> Pattern {
        Pattern {
            exact: values
                .iter()
                .filter(|(_, flag)| **flag)
                .map(|(v, _)| v.clone())
                .collect(),
            regexes: values
                .keys()
                .filter_map(|v| Regex::new(&go_regex(v)).ok())
                .collect(),
        }
    }

    fn is_match(&self, source: &str) -> bool {
        self.exact.contains(source) || self.regexes.iter().any(|r| r.is_match(source))
    }

    /// A container name matches with or without its leading slash.
    fn matches_name(&self, name: &str) -> bool {
        self.is_match(name) || self.is_match(name.strip_prefix('/').unwrap_or(name))
    }
}

/// Go's `\Q…\E` (literal text) as `regex-lite` spells it.
fn go_regex(pattern: &str) -> Cow<'_, str> {
    if !pattern.contains("\\Q") {
        return Cow::Borrowed(pattern);
    }
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut rest = pattern;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.chars().next() {
            Some('Q') => {
                let quoted = &after[1..];
                let (literal, tail) = match quoted.find("\\E") {
                    Some(end) => (&quoted[..end], &quoted[end + 2..]),
                    None => (quoted, ""),
                };
                out.push_str(&regex_lite::escape(literal));
                rest = tail;
            }
            Some(c) => {
                out.push('\\');
                out.push(c);
                rest = &after[c.len_utf8()..];
            }
            None => {
                out.push('\\');
                rest = "";
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// `Args.MatchKVList`: every `key` or `key=value` must be among the labels.
fn match_kv_list(wanted: &[(String, Option<String>)], labels: &BTreeMap<String, String>) -> bool {
    if labels.is_empty() {
        return false;
    }
    wanted.iter().all(|(k, v)| match (labels.get(k), v) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(have), Some(want)) => have == want,
    })
}

/// `excludeByIsolation`: a Windows-only filter, which a Linux daemon accepts and ignores. The
/// container's OS stands for the daemon's platform here.
fn isolation_matches(p: &Pattern, s: &Snapshot) -> bool {
    if s.container.os != "windows" {
        return true;
    }
    let isolation = s.isolation.to_lowercase();
    p.is_match(if isolation.is_empty() {
        "default"
    } else {
        &isolation
    })
}

/// The `volume` filter: a mount's destination, or its volume name (its source when unnamed).
fn has_volume(s: &Snapshot, value: &str) -> bool {
    s.summary.mounts.iter().any(|m| {
        (!m.destination.is_empty() && m.destination == value)
            || (if m.name.is_empty() {
                &m.source
            } else {
                &m.name
            }) == value
    })
}

/// The `network` filter: a network's name, or a prefix of its ID.
fn on_network(s: &Snapshot, value: &str) -> bool {
    let networks = &s.summary.network_settings.networks;
    networks.contains_key(value) || networks.values().any(|n| n.network_id.starts_with(value))
}

/// `idOrNameFilter`: an exact ID, else a name (slashes ignored) that one container holds.
/// No ID prefixes, unlike `docker inspect`.
fn id_or_name(view: &View, value: &str) -> Result<Arc<Snapshot>, FilterError> {
    if let Ok(s) = view.get(value) {
        return Ok(s);
    }
    let not_found = || FilterError::NoSuchContainer(value.to_owned());
    let bare = value.strip_prefix('/').unwrap_or(value);
    // The only names that read as `bare` once their own slash is trimmed.
    let slashed = format!("/{bare}");
    let mut holders = vec![view.get_id(&slashed).ok()];
    if !bare.starts_with('/') {
        holders.push(view.get_id(bare).ok());
    }
    let mut holders = holders.into_iter().flatten();
    let id = holders.next().ok_or_else(not_found)?;
    if holders.any(|other| other != id) {
        return Err(not_found());
    }
    view.get(&id)
        .map_err(|_| FilterError::NoSuchContainer(id.clone()))
}

/// A `publish`/`expose` value: ports `start..=end` with a protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PortRange {
    start: u16,
    end: u16,
    proto: String,
}

impl PortRange {
    /// `portOp`: `nat.SplitProtoPort` then `nat.ParsePortRange`.
    fn parse(key: &str, value: &str) -> Result<PortRange, FilterError> {
        if value.contains(':') {
            return Err(FilterError::PortWithColon {
                key: key.to_owned(),
                value: value.to_owned(),
            });
        }
        let invalid = |reason: String| FilterError::InvalidPort {
            key: key.to_owned(),
            value: value.to_owned(),
            reason,
        };
        let (proto, port) = split_proto_port(value);
        let (start, end) = parse_port_range(port).map_err(invalid)?;
        Ok(PortRange {
            start,
            end,
            proto: proto.to_owned(),
        })
    }

    fn contains(&self, port: u16, proto: &str) -> bool {
        self.proto == proto && (self.start..=self.end).contains(&port)
    }
}

/// go-connections' `nat.SplitProtoPort`: (proto, port), `tcp` by default.
fn split_proto_port(raw: &str) -> (&str, &str) {
    let mut parts = raw.split('/');
    let port = parts.next().unwrap_or("");
    if port.is_empty() {
        return ("", "");
    }
    match parts.next() {
        None => ("tcp", raw),
        Some("") => ("tcp", port),
        Some(proto) => (proto, port),
    }
}

/// go-connections' `nat.ParsePortRange`, with its messages.
fn parse_port_range(ports: &str) -> Result<(u16, u16), String> {
    if ports.is_empty() {
        return Err("empty string specified for ports".to_owned());
    }
    let parse = |s: &str| go_parse_u16(s).map_err(|e| e.to_string());
    if !ports.contains('-') {
        let port = parse(ports)?;
        return Ok((port, port));
    }
    let mut parts = ports.split('-');
    let start = parse(parts.next().unwrap_or(""))?;
    let end = parse(parts.next().unwrap_or(""))?;
    if end < start {
        return Err(format!("invalid range specified for port: {ports}"));
    }
    Ok((start, end))
}

/// Go's `strconv.ParseUint(s, 10, 16)`, error for error.
fn go_parse_u16(s: &str) -> Result<u16, NumError> {
    let err = |reason| NumError {
        func: "ParseUint",
        input: s.to_owned(),
        reason,
    };
    if s.is_empty() {
        return Err(err(NumErrorReason::Syntax));
    }
    let mut n: u32 = 0;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return Err(err(NumErrorReason::Syntax));
        }
        n = n * 10 + u32::from(b - b'0');
        if n > u32::from(u16::MAX) {
            return Err(err(NumErrorReason::Range));
        }
    }
    u16::try_from(n).map_err(|_| err(NumErrorReason::Range))
}

/// Go's `strconv.Atoi` on a 64-bit platform, error for error.
fn go_atoi(s: &str) -> Result<i64, NumError> {
    let err = |reason| NumError {
        func: "Atoi",
        input: s.to_owned(),
        reason,
    };
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() {
        return Err(err(NumErrorReason::Syntax));
    }
    let mut n: u64 = 0;
    for b in digits.bytes() {
        if !b.is_ascii_digit() {
            return Err(err(NumErrorReason::Syntax));
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(b - b'0')))
            .ok_or_else(|| err(NumErrorReason::Range))?;
    }
    if negative {
        0i64.checked_sub_unsigned(n)
            .ok_or_else(|| err(NumErrorReason::Range))
    } else {
        i64::try_from(n).map_err(|_| err(NumErrorReason::Range))
    }
}

/// Go's `strconv.Quote`: double quotes, Go escapes for control and non-printing characters.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if c.is_ascii_control() => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() || (c.is_whitespace() && c != ' ') => {
                if (c as u32) < 0x10000 {
                    out.push_str(&format!("\\u{:04x}", c as u32));
                } else {
                    out.push_str(&format!("\\U{:08x}", c as u32));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// 64 lowercase hex digits: what the reference parser takes for an image ID.
fn is_full_hex_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// An image reference in its fully qualified form (distribution's `ParseNormalizedNamed` and
/// `TagNameOnly`): `busybox` → `docker.io/library/busybox:latest`. `None` for an ID or an
/// invalid reference.
fn normalize_image_ref(s: &str) -> Option<String> {
    if s.is_empty() || is_full_hex_id(s) || s.starts_with("sha256:") {
        return None;
    }
    let (domain, remainder) = match s.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.to_lowercase() != first =>
        {
            (first, rest)
        }
        _ => ("docker.io", s),
    };
    let domain = if domain == "index.docker.io" {
        "docker.io"
    } else {
        domain
    };
    let (name_tag, digest) = match remainder.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (remainder, None),
    };
    let (path, tag) = match name_tag.split_once(':') {
        Some((p, t)) => (p, Some(t)),
        None => (name_tag, None),
    };
    let component_ok = |c: &str| {
        !c.is_empty()
            && c.bytes()
                .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-'))
            && c.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
            && c.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric())
    };
    let tag_ok = |t: &str| {
        !t.is_empty()
            && t.len() <= 128
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
            && !t.starts_with(['.', '-'])
    };
    if domain.is_empty()
        || !path.split('/').all(component_ok)
        || !tag.is_none_or(tag_ok)
        || !digest.is_none_or(|d| {
            d.split_once(':')
                .is_some_and(|(a, h)| !a.is_empty() && !h.is_empty())
        })
    {
        return None;
    }
    let mut out = String::with_capacity(s.len() + 24);
    out.push_str(domain);
    out.push('/');
    if domain == "docker.io" && !path.contains('/') {
        out.push_str("library/");
    }
    out.push_str(path);
    match (tag, digest) {
        (Some(t), _) => {
            out.push(':');
            out.push_str(t);
        }
        (None, None) => out.push_str(":latest"),
        (None, Some(_)) => {}
    }
    if let Some(d) = digest {
        out.push('@');
        out.push_str(d);
    }
    Some(out)
}

/// The one image ID among `ids` that `value` (a full ID or a prefix, with or without
/// `sha256:`) names; none when no ID or several do.
fn image_by_id_prefix<'a>(value: &str, ids: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let hex = value.strip_prefix("sha256:").unwrap_or(value);
    if hex.is_empty() || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let found: HashSet<&str> = ids
        .filter(|id| id.strip_prefix("sha256:").unwrap_or(id).starts_with(hex))
        .collect();
    let mut found = found.into_iter();
    match (found.next(), found.next()) {
        (Some(id), None) => Some(id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_quote_escapes_as_go_does() {
        assert_eq!(go_quote("x"), "\"x\"");
        assert_eq!(go_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(go_quote("\t\u{1b}\u{7f}"), "\"\\t\\x1b\\x7f\"");
        assert_eq!(go_quote("é\u{a0}"), "\"é\\u00a0\"");
    }

    #[test]
    fn atoi_matches_go() {
        assert_eq!(go_atoi("0"), Ok(0));
        assert_eq!(go_atoi("+7"), Ok(7));
        assert_eq!(go_atoi("-137"), Ok(-137));
        assert_eq!(go_atoi("007"), Ok(7));
        assert_eq!(go_atoi("-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(go_atoi("9223372036854775807"), Ok(i64::MAX));
        let reason = |s: &str| go_atoi(s).err().map(|e| e.reason);
        assert_eq!(reason("9223372036854775808"), Some(NumErrorReason::Range));
        assert_eq!(reason("-9223372036854775809"), Some(NumErrorReason::Range));
        assert_eq!(reason("99999999999999999999x"), Some(NumErrorReason::Range));
        assert_eq!(reason("1x"), Some(NumErrorReason::Syntax));
        assert_eq!(reason(""), Some(NumErrorReason::Syntax));
        assert_eq!(reason("-"), Some(NumErrorReason::Syntax));
        assert_eq!(reason(" 1"), Some(NumErrorReason::Syntax));
        assert_eq!(reason("1_000"), Some(NumErrorReason::Syntax));
    }

    #[test]
    fn parse_uint16_matches_go() {
        assert_eq!(go_parse_u16("080"), Ok(80));
        assert_eq!(go_parse_u16("65535"), Ok(65535));
        let reason = |s: &str| go_parse_u16(s).err().map(|e| e.reason);
        assert_eq!(reason("65536"), Some(NumErrorReason::Range));
        assert_eq!(reason("700000x"), Some(NumErrorReason::Range));
        assert_eq!(reason("+80"), Some(NumErrorReason::Syntax));
        assert_eq!(reason(""), Some(NumErrorReason::Syntax));
    }

    #[test]
    fn split_proto_port_matches_go() {
        assert_eq!(split_proto_port("80"), ("tcp", "80"));
        assert_eq!(split_proto_port("80/"), ("tcp", "80"));
        assert_eq!(split_proto_port("80/udp"), ("udp", "80"));
        assert_eq!(split_proto_port("80/udp/x"), ("udp", "80"));
        assert_eq!(split_proto_port("/udp"), ("", ""));
        assert_eq!(split_proto_port(""), ("", ""));
    }

    #[test]
    fn image_references_normalize() {
        let n = |s: &str| normalize_image_ref(s);
        let busybox = Some("docker.io/library/busybox:latest".to_owned());
        assert_eq!(n("busybox"), busybox);
        assert_eq!(n("busybox:latest"), busybox);
        assert_eq!(n("library/busybox"), busybox);
        assert_eq!(n("docker.io/library/busybox"), busybox);
        assert_eq!(n("index.docker.io/busybox"), busybox);
        assert_eq!(
            n("local/busybox:1"),
            Some("docker.io/local/busybox:1".to_owned())
        );
        assert_eq!(
            n("localhost:5000/x"),
            Some("localhost:5000/x:latest".to_owned())
        );
        assert_eq!(
            n("busybox@sha256:abc"),
            Some("docker.io/library/busybox@sha256:abc".to_owned())
        );
        assert_eq!(n("Busybox"), None);
        assert_eq!(n("sha256:abc"), None);
        assert_eq!(n(&"a".repeat(64)), None);
        assert_eq!(n("a//b"), None);
    }

    #[test]
    fn go_quoted_literals_translate() {
        assert_eq!(go_regex("^a.b$"), "^a.b$");
        let pattern = |v: &str| Pattern::new(&BTreeMap::from([(v.to_owned(), true)]));
        assert!(pattern(r"^web-\d+$").matches_name("/web-12"));
        assert!(
            !pattern(r"^web-\d+$").matches_name("/web-١٢"),
            "\\d is ASCII, as in Go"
        );
        assert!(pattern(r"(?i)^WEB").matches_name("/web-1"));
        assert!(pattern(r"\Qa.b\E").is_match("xa.by"));
        assert!(!pattern(r"\Qa.b\E").is_match("xaxby"));
        // A Unicode class does not compile: the value matches only exactly.
        assert!(!pattern(r"^\pL+$").is_match("web"));
        assert!(pattern(r"^\pL+$").is_match(r"^\pL+$"));
        assert_eq!(go_regex(r"\Qa.b\E$"), r"a\.b$");
        assert_eq!(go_regex(r"x\Q.*"), r"x\.\*");
        assert_eq!(go_regex(r"\\Q\Q+\E"), r"\\Q\+");
    }
}
