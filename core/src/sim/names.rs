//! The simulated engine's deterministic randomness: a seeded PRNG (SplitMix64) for container and
//! exec IDs, and docker-style generated names (the daemon's `namesgenerator`: `adjective_surname`).

/// SplitMix64: small, fast, and the same sequence on every platform for the same seed. The
/// simulated engine draws its IDs and names from it; tests and benchmarks that want a fixed
/// sequence use it too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// The sequence of `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        // The modulo bias is irrelevant for lists this short.
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// 64 lowercase hex digits, as the engine's container and exec IDs.
    pub fn hex_id(&mut self) -> String {
        (0..4)
            .map(|_| format!("{:016x}", self.next_u64()))
            .collect()
    }
}

/// A stable 64-hex digest of `text` (FNV-1a seeding SplitMix64): the simulated image IDs.
pub(crate) fn digest(text: &str) -> String {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    Rng::new(h).hex_id()
}

/// From the daemon's `namesgenerator` (a selection).
const ADJECTIVES: [&str; 48] = [
    "admiring",
    "affectionate",
    "agitated",
    "amazing",
    "angry",
    "awesome",
    "blissful",
    "bold",
    "boring",
    "brave",
    "charming",
    "clever",
    "compassionate",
    "competent",
    "confident",
    "cranky",
    "dazzling",
    "determined",
    "dreamy",
    "eager",
    "ecstatic",
    "elastic",
    "elegant",
    "eloquent",
    "epic",
    "festive",
    "focused",
    "friendly",
    "gallant",
    "gifted",
    "goofy",
    "happy",
    "hopeful",
    "jolly",
    "keen",
    "laughing",
    "lucid",
    "magical",
    "modest",
    "nifty",
    "optimistic",
    "peaceful",
    "quirky",
    "relaxed",
    "serene",
    "sleepy",
    "vigilant",
    "zealous",
];

/// From the daemon's `namesgenerator` (a selection).
const SURNAMES: [&str; 48] = [
    "albattani",
    "allen",
    "archimedes",
    "babbage",
    "bardeen",
    "bartik",
    "bell",
    "bhabha",
    "bohr",
    "booth",
    "cannon",
    "cerf",
    "curie",
    "darwin",
    "dijkstra",
    "easley",
    "einstein",
    "euclid",
    "euler",
    "faraday",
    "fermat",
    "feynman",
    "galileo",
    "gauss",
    "goldberg",
    "goodall",
    "hamilton",
    "hawking",
    "hopper",
    "hypatia",
    "johnson",
    "kepler",
    "knuth",
    "lamarr",
    "lamport",
    "liskov",
    "lovelace",
    "mcclintock",
    "meitner",
    "noether",
    "pascal",
    "ritchie",
    "shannon",
    "tesla",
    "torvalds",
    "turing",
    "wozniak",
    "wu",
];

/// `GetRandomName(retry)`: `adjective_surname`, never `boring_wozniak` ("Steve Wozniak is not
/// boring"); from the second try on a digit is appended, as the daemon does.
pub(crate) fn random_name(rng: &mut Rng, retry: u32) -> String {
    loop {
        let adjective = ADJECTIVES[rng.below(ADJECTIVES.len())];
        let surname = SURNAMES[rng.below(SURNAMES.len())];
        if adjective == "boring" && surname == "wozniak" {
            continue;
        }
        let mut name = format!("{adjective}_{surname}");
        if retry > 0 {
            name.push_str(&rng.below(10).to_string());
        }
        return name;
    }
}

/// The daemon's `validContainerNamePattern`, `^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$` (so at least two
/// characters).
pub(crate) fn is_valid_name(name: &str) -> bool {
    let name = name.strip_prefix('/').unwrap_or(name);
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphanumeric() => {}
        _ => return false,
    }
    let rest = chars.as_str();
    !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// The characters `is_valid_name` allows, as the daemon's message names them.
pub(crate) const VALID_NAME_CHARS: &str = "[a-zA-Z0-9][a-zA-Z0-9_.-]";
