//! Reproducible randomness: one counter-based stream per (seed, purpose, bin, replica,
//! fold, sub-stream), so that results never depend on the number of threads, on
//! scheduling, or on how the work is split across processes or machines (DESIGN.md).
//!
//! The stream is a ChaCha8 generator whose 256-bit key is built from the seed, the
//! purpose, the E(B-V) bin, the Monte-Carlo replica and the LOOCV fold, and whose
//! 64-bit stream number is the sub-stream (a tree index, a hashed source name...).
//! Distinct ids give independent streams; the same ids always give the same numbers.

pub use rand::rngs::ChaCha8Rng;
pub use rand::{Rng, RngExt, SeedableRng};

/// What a stream is used for. Adding a purpose never changes the streams of the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Purpose {
    /// Monte-Carlo realisation of measured quantities (spec 5); sub-stream = source key.
    Sample = 1,
    /// SMOTE synthetic rows (spec 6.1); sub-stream = class index.
    Smote = 2,
    /// Random forest bootstrap and split features (spec 7); sub-stream = tree index.
    Forest = 3,
    /// Choice of a stratified subset of left-out sources in `loocv --limit`.
    Subset = 4,
    /// Synthetic benchmark inputs (`synth`); sub-stream = table kind and row.
    Synthetic = 5,
    /// The random-feature baseline of the importance figure (paper Fig. 4);
    /// sub-stream = source key.
    Baseline = 6,
    /// Physical oversampling's choice of members, E(B-V) and N_H (`oversample`);
    /// sub-stream = class index.
    Oversample = 7,
    /// Isolation forests of the outlier score (`outlier`); sub-stream = tree index.
    Outlier = 8,
}

/// Where in a study a random step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StreamId {
    pub seed: u64,
    /// E(B-V) bin index (0 when the study has one E(B-V)).
    pub bin: u64,
    /// Monte-Carlo replica index.
    pub replica: u64,
    /// LOOCV fold (index of the left-out source); 0 outside LOOCV.
    pub fold: u64,
}

impl StreamId {
    pub fn new(seed: u64) -> Self {
        StreamId {
            seed,
            ..Self::default()
        }
    }

    pub fn replica(self, replica: u64) -> Self {
        StreamId { replica, ..self }
    }

    pub fn bin(self, bin: u64) -> Self {
        StreamId { bin, ..self }
    }

    pub fn fold(self, fold: u64) -> Self {
        StreamId { fold, ..self }
    }

    /// The generator for one purpose and sub-stream of this position.
    pub fn rng(&self, purpose: Purpose, sub: u64) -> ChaCha8Rng {
        let mut key = [0u8; 32];
        key[0..8].copy_from_slice(&self.seed.to_le_bytes());
        // Bins are far fewer than 2^56 (2,000 bins of 25 mmag span 0-50 mag).
        let purpose_bin = ((purpose as u64) << 56) ^ (self.bin & ((1 << 56) - 1));
        key[8..16].copy_from_slice(&purpose_bin.to_le_bytes());
        key[16..24].copy_from_slice(&self.replica.to_le_bytes());
        key[24..32].copy_from_slice(&self.fold.to_le_bytes());
        let mut rng = ChaCha8Rng::from_seed(key);
        rng.set_stream(sub);
        rng
    }
}

/// A stable 64-bit key of a source name (FNV-1a), so that a source gets the same
/// Monte-Carlo deviates whichever table, bin or process it is sampled in.
pub(crate) fn source_key(name: &str) -> u64 {
    fnv1a(name.trim().as_bytes())
}

/// FNV-1a, 64 bits: the project's one string hash (source keys, fechner's name keys).
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let id = StreamId::new(7).replica(3);
        let a: u64 = id.rng(Purpose::Forest, 5).random();
        let b: u64 = id.rng(Purpose::Forest, 5).random();
        let c: u64 = id.rng(Purpose::Forest, 6).random();
        let d: u64 = id.replica(4).rng(Purpose::Forest, 5).random();
        let e: u64 = id.rng(Purpose::Smote, 5).random();
        assert_eq!(a, b);
        assert!(a != c && a != d && a != e && c != d);
    }

    #[test]
    fn source_key_ignores_padding() {
        assert_eq!(
            source_key(" 2CXO J110507.4-585105"),
            source_key("2CXO J110507.4-585105")
        );
        assert_ne!(source_key("a"), source_key("b"));
        // the published FNV-1a 64 test vectors
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
