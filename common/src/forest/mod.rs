//! The random forest of spec 7: scikit-learn's `RandomForestClassifier` (Gini,
//! bootstrap, `max_features='sqrt'`, fully grown trees, soft voting) re-implemented
//! with the same split semantics, and fast.
//!
//! Semantics kept from scikit-learn (`_classes.py`, `_splitter.pyx`, `_tree.pyx`,
//! `_forest.py`):
//! * features are stored as f32 (scikit-learn's `DTYPE`), thresholds as f64;
//! * a tree's bootstrap is n draws with replacement, used as integer sample weights;
//!   samples drawn zero times are not in the tree at all;
//! * at each node candidate features are drawn without replacement until
//!   `max_features` non-constant ones have been evaluated (constant = all values within
//!   1e-7), features found constant in a node stay known-constant in its subtree
//!   (the splitter's `features` / `constant_features` bookkeeping is mirrored exactly);
//! * a split lies between consecutive sorted values that differ by more than 1e-7,
//!   at their midpoint; the best split maximises the weighted Gini proxy
//!   −w_r·g_r − w_l·g_l, the first best in visit order winning;
//! * a node is a leaf when it holds fewer than 2 samples, when it is pure, or when no
//!   feature splits it; the leaf value is its normalised class weights;
//! * class weights (`class_weight='balanced'|'balanced_subsample'`) multiply every
//!   sample's bootstrap weight by n / (n_classes · n_c), n_c counted in the training
//!   set or in the tree's bootstrap; they enter the Gini impurity and the leaf values;
//! * `predict_proba` = mean over trees of the leaf values;
//! * importances = mean decrease of impurity, normalised per tree and overall.
//!
//! Not kept: scikit-learn draws a node's candidate features from one random stream
//! shared by the whole tree in build order; here every node has a stream of its own,
//! derived from its path from the root, and starts from its parent's feature order.
//! The draws have the same distribution, and a node no longer depends on the nodes
//! built before it, so a tree can be grown along the paths of the rows to classify
//! only ([`Forest::fit_predict`]), with the same leaves as the whole tree.
//!
//! Speed comes from working on ranks: each feature is sorted once per fit; a node then
//! sorts packed (rank, weight, class) integer keys of its own samples (the root takes
//! them in order from the presorted rows), and the class counts of every candidate
//! split are exact integer running sums (class weights multiply them in f64).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::classes::argmax;
use crate::error::{Error, Result};
use crate::rng::{ChaCha8Rng, Purpose, RngExt, SeedableRng, StreamId};

/// scikit-learn's `FEATURE_THRESHOLD`: sorted values closer than this are not split.
const FEATURE_THRESHOLD: f64 = 1e-7;

/// Marks a leaf in [`Node::feature`].
const LEAF: u32 = u32::MAX;

/// Trees in a forest (spec 7: the authors' `n_estimators=100`).
pub const DEFAULT_TREES: usize = 100;

/// Class weights of the forest (scikit-learn's `class_weight`, issue 12): a sample of
/// class c weighs n / (k · n_c) times its bootstrap weight, n_c the samples of class c
/// and k the classes present, in the whole training set (`Balanced`) or in each
/// tree's bootstrap sample (`BalancedSubsample`, n = the draws). Equal weights (as
/// after SMOTE to the majority count, for `Balanced`) change nothing and are skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ClassWeight {
    /// Every sample weighs its bootstrap weight (the paper's forest).
    #[default]
    None,
    Balanced,
    BalancedSubsample,
}

impl ClassWeight {
    pub(crate) const NAMES: [&str; 3] = ["none", "balanced", "balanced_subsample"];

    pub fn parse(name: &str) -> Result<ClassWeight> {
        match name {
            "none" => Ok(ClassWeight::None),
            "balanced" => Ok(ClassWeight::Balanced),
            "balanced_subsample" => Ok(ClassWeight::BalancedSubsample),
            _ => Err(Error::invalid(format!(
                "unknown class weight '{name}' (expected one of {})",
                Self::NAMES.join(", ")
            ))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ClassWeight::None => Self::NAMES[0],
            ClassWeight::Balanced => Self::NAMES[1],
            ClassWeight::BalancedSubsample => Self::NAMES[2],
        }
    }
}

/// scikit-learn's `compute_class_weight('balanced')` from per-class sample counts:
/// n / (k · n_c) for the k classes present, 0 for the absent ones (which hold no
/// sample); empty when the weights of the present classes are all equal (a weighting
/// that changes nothing).
fn balanced_weights(counts: &[u64]) -> Vec<f64> {
    let n: u64 = counts.iter().sum();
    let k = counts.iter().filter(|&&c| c > 0).count() as f64;
    let mut present = counts.iter().filter(|&&c| c > 0);
    let first = present.next();
    if present.all(|c| Some(c) == first) {
        return Vec::new();
    }
    counts
        .iter()
        .map(|&c| {
            if c == 0 {
                0.0
            } else {
                n as f64 / (k * c as f64)
            }
        })
        .collect()
}

/// Forest settings (spec 7, 11.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForestParams {
    pub n_trees: usize,
    /// Candidate features per split; `None` = floor(sqrt(n_features)) (5 for 29).
    pub max_features: Option<usize>,
    /// The value a missing feature (NaN) takes, in standardized units (spec 4.8).
    pub missing: f64,
    /// Class weights (none in the paper).
    pub class_weight: ClassWeight,
}

impl Default for ForestParams {
    fn default() -> Self {
        ForestParams {
            n_trees: DEFAULT_TREES,
            max_features: None,
            missing: -100.0,
            class_weight: ClassWeight::None,
        }
    }
}

impl ForestParams {
    /// The number of candidate features per split for `n_features` features.
    pub(crate) fn max_features_for(&self, n_features: usize) -> usize {
        match self.max_features {
            Some(m) => m.clamp(1, n_features.max(1)),
            None => ((n_features as f64).sqrt().floor() as usize).max(1),
        }
    }
}

/// One tree node. Internal: `feature`, `threshold` (go left when x <= threshold),
/// children `left`, `right` (always after the node: trees are stored depth first).
/// Leaf: `feature == LEAF`, `left` = index of its class weights in [`Tree::weights`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Node {
    feature: u32,
    left: u32,
    right: u32,
    threshold: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Tree {
    nodes: Vec<Node>,
    /// Leaf class weights (sums of bootstrap weights), n_classes per leaf: the exact
    /// leaf value in a few bytes where its fractions would take 8 per class.
    weights: Vec<u32>,
    /// The tree's class weights ([`ClassWeight`]), n_classes; empty: none.
    class_weight: Vec<f64>,
    /// Leaf class probabilities (weights over their sum), n_classes per leaf;
    /// derived from `weights`, not stored in model files.
    #[serde(skip)]
    values: Vec<f64>,
    /// This tree's normalised mean decrease of impurity per feature.
    importances: Vec<f64>,
}

/// A leaf's class weights as stored: they fit u32, being below n < 2^21
/// (`Prepared::new`).
fn leaf_weights(counts: &[u64]) -> impl Iterator<Item = u32> + '_ {
    counts.iter().map(|&c| c as u32)
}

/// Leaf values from leaf class weights: each leaf's weights, times the class weights
/// `class_weight` when there are any, over their sum.
fn leaf_values(weights: &[u32], n_classes: usize, class_weight: &[f64]) -> Vec<f64> {
    if !class_weight.is_empty() {
        return weights
            .chunks(n_classes)
            .flat_map(|leaf| {
                let w: Vec<f64> = leaf
                    .iter()
                    .zip(class_weight)
                    .map(|(&w, k)| k * f64::from(w))
                    .collect();
                let total: f64 = w.iter().sum();
                w.into_iter().map(move |v| v / total)
            })
            .collect();
    }
    weights
        .chunks(n_classes)
        .flat_map(|leaf| {
            let total: u64 = leaf.iter().map(|&w| u64::from(w)).sum();
            leaf.iter().map(move |&w| f64::from(w) / total as f64)
        })
        .collect()
}

/// Σ_c k_c·n_c and Σ_c (k_c·n_c)² of integer class weights `counts` under class
/// weights `class_weight`, summed in class order.
#[inline]
fn weighted_sums(counts: &[u64], class_weight: &[f64]) -> (f64, f64) {
    let (mut w, mut sq) = (0.0, 0.0);
    for (&c, &k) in counts.iter().zip(class_weight) {
        let v = k * c as f64;
        w += v;
        sq += v * v;
    }
    (w, sq)
}

/// scikit-learn's Gini `proxy_impurity_improvement` −w_r·g_r − w_l·g_l in floating
/// point, for class-weighted nodes.
#[inline]
fn weighted_proxy(left: &[u64], right: &[u64], class_weight: &[f64]) -> f64 {
    let (w_l, sq_l) = weighted_sums(left, class_weight);
    let (w_r, sq_r) = weighted_sums(right, class_weight);
    -w_r * (1.0 - sq_r / (w_r * w_r)) - w_l * (1.0 - sq_l / (w_l * w_l))
}

impl Tree {
    /// Checks a tree read from a file, so that prediction can neither index out of
    /// range nor loop, and derives the leaf probabilities.
    fn restore(&mut self, n_features: usize, n_classes: usize) -> std::result::Result<(), String> {
        let n_nodes = self.nodes.len();
        if n_nodes == 0 || !self.weights.len().is_multiple_of(n_classes) {
            return Err("a tree without nodes or with partial leaves".to_string());
        }
        let n_leaves = self.weights.len() / n_classes;
        for (i, node) in self.nodes.iter().enumerate() {
            let ok = if node.feature == LEAF {
                (node.left as usize) < n_leaves
            } else {
                (node.feature as usize) < n_features
                    && !node.threshold.is_nan()
                    && [node.left, node.right]
                        .iter()
                        .all(|&c| (c as usize) > i && (c as usize) < n_nodes)
            };
            if !ok {
                return Err(format!("node {i} points outside its tree"));
            }
        }
        if self
            .weights
            .chunks(n_classes)
            .any(|w| w.iter().all(|&c| c == 0))
        {
            return Err("a leaf without weight".to_string());
        }
        if self.importances.len() != n_features {
            return Err("importances do not match the features".to_string());
        }
        if !(self.class_weight.is_empty()
            || self.class_weight.len() == n_classes
                && self.class_weight.iter().all(|k| k.is_finite() && *k >= 0.0))
        {
            return Err("class weights do not match the classes".to_string());
        }
        self.values = leaf_values(&self.weights, n_classes, &self.class_weight);
        Ok(())
    }

    fn leaf_of(&self, row: &[f32], n_classes: usize) -> &[f64] {
        let mut i = 0usize;
        loop {
            let node = &self.nodes[i];
            if node.feature == LEAF {
                let at = node.left as usize * n_classes;
                return &self.values[at..at + n_classes];
            }
            i = if f64::from(row[node.feature as usize]) <= node.threshold {
                node.left as usize
            } else {
                node.right as usize
            };
        }
    }
}

/// A fitted forest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forest {
    n_features: usize,
    n_classes: usize,
    missing: f64,
    trees: Vec<Tree>,
}

impl Forest {
    /// Fits the forest (spec 7). `x`: row-major n × `n_features`, NaN = missing, which
    /// becomes `params.missing` (−100, spec 4.8); `y`: class indices < `n_classes`.
    /// Tree t draws its bootstrap and split features from `id.rng(Purpose::Forest, t)`;
    /// trees are built in parallel and the result is the same for any number of threads.
    pub fn fit(
        x: &[f64],
        n_features: usize,
        y: &[u8],
        n_classes: usize,
        params: &ForestParams,
        id: StreamId,
    ) -> Result<Forest> {
        let data = Prepared::new(x, n_features, y, n_classes, params)?;
        let trees = grow_trees(&data, params, id, |builder, rng| builder.build(rng))?;
        Ok(Forest {
            n_features,
            n_classes,
            missing: params.missing,
            trees,
        })
    }

    /// The class probabilities of the `queries` rows (row-major, NaN = missing) from
    /// the forest [`Forest::fit`] grows on the same input: bit for bit
    /// `fit(..)?.predict_proba(row)` for every row. Only the nodes on the queries' paths
    /// are grown, which is all a forest fitted to classify a few sources needs (one
    /// LOOCV fold, the sources of one E(B-V) bin): a path is a few tens of a tree's
    /// thousand-odd nodes, and the nodes off it hold most of the work.
    pub fn fit_predict(
        x: &[f64],
        n_features: usize,
        y: &[u8],
        n_classes: usize,
        params: &ForestParams,
        id: StreamId,
        queries: &[f64],
    ) -> Result<Vec<Vec<f64>>> {
        let data = Prepared::new(x, n_features, y, n_classes, params)?;
        if !queries.len().is_multiple_of(n_features) {
            return Err(Error::invalid(format!(
                "forest: {} query values for rows of {n_features} features",
                queries.len()
            )));
        }
        let q32: Vec<f32> = queries
            .iter()
            .map(|&v| tree_input(v, params.missing))
            .collect();
        let per_tree = grow_trees(&data, params, id, |builder, rng| {
            builder.leaves_of(rng, &q32)
        })?;
        // Summed in tree order and divided as `predict_proba` does, for the same bits.
        let n = params.n_trees as f64;
        Ok((0..queries.len() / n_features)
            .map(|q| {
                let mut p = vec![0.0f64; n_classes];
                for reached in &per_tree {
                    let at = reached.leaf[q] as usize * n_classes;
                    for (acc, v) in p.iter_mut().zip(&reached.values[at..at + n_classes]) {
                        *acc += v;
                    }
                }
                p.iter_mut().for_each(|v| *v /= n);
                p
            })
            .collect())
    }

    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    pub fn n_trees(&self) -> usize {
        self.trees.len()
    }

    /// Total number of nodes of all trees.
    pub fn n_nodes(&self) -> usize {
        self.trees.iter().map(|t| t.nodes.len()).sum()
    }

    /// Mean over trees of the leaf class fractions (soft voting), classes
    /// 0..n_classes. NaN in `row` is the missing flag too.
    pub fn predict_proba(&self, row: &[f64]) -> Vec<f64> {
        assert_eq!(row.len(), self.n_features, "row length != n_features");
        let row32: Vec<f32> = row.iter().map(|&v| tree_input(v, self.missing)).collect();
        let mut p = vec![0.0f64; self.n_classes];
        for tree in &self.trees {
            for (acc, v) in p.iter_mut().zip(tree.leaf_of(&row32, self.n_classes)) {
                *acc += v;
            }
        }
        let n = self.trees.len() as f64;
        p.iter_mut().for_each(|v| *v /= n);
        p
    }

    /// The predicted class index: the first of the most probable classes.
    pub fn predict(&self, row: &[f64]) -> usize {
        argmax(&self.predict_proba(row))
    }

    /// Mean decrease in impurity, normalised to sum 1 (scikit-learn's
    /// `feature_importances_`: trees of a single node are left out of the mean).
    pub fn importances(&self) -> Vec<f64> {
        let mut sum = vec![0.0f64; self.n_features];
        let mut n = 0usize;
        for tree in self.trees.iter().filter(|t| t.nodes.len() > 1) {
            for (s, v) in sum.iter_mut().zip(&tree.importances) {
                *s += v;
            }
            n += 1;
        }
        if n == 0 {
            return sum;
        }
        sum.iter_mut().for_each(|v| *v /= n as f64);
        let total: f64 = sum.iter().sum();
        if total > 0.0 {
            sum.iter_mut().for_each(|v| *v /= total);
        }
        sum
    }
}

/// Runs `grow` for every tree, in parallel: tree t draws its bootstrap and split
/// features from `id.rng(Purpose::Forest, t)`.
fn grow_trees<T: Send>(
    data: &Prepared,
    params: &ForestParams,
    id: StreamId,
    grow: impl Fn(TreeBuilder, &mut ChaCha8Rng) -> T + Sync,
) -> Result<Vec<T>> {
    if params.n_trees == 0 {
        return Err(Error::invalid("a forest needs at least one tree"));
    }
    let max_features = params.max_features_for(data.n_features);
    Ok((0..params.n_trees)
        .into_par_iter()
        .map(|t| {
            grow(
                TreeBuilder::new(data, max_features),
                &mut id.rng(Purpose::Forest, t as u64),
            )
        })
        .collect())
}

/// The training set as the trees see it: per feature, every row's rank among the
/// distinct f32 values of that feature, and the value of each rank.
struct Prepared {
    n: usize,
    n_features: usize,
    n_classes: usize,
    /// rank[f * n + i]: rank of row i in feature f (equal values share a rank).
    rank: Vec<u32>,
    /// sorted[f * n + j]: the row of the j-th smallest value of feature f.
    sorted: Vec<u32>,
    /// values[f][r]: the f32 value of rank r of feature f, as f64.
    values: Vec<Vec<f64>>,
    /// far[f][r]: value r exceeds value r − 1 by more than `FEATURE_THRESHOLD`, so
    /// that a split between any rank below r and r is allowed without looking at values.
    far: Vec<Vec<bool>>,
    /// Bits needed for the largest rank of any feature (radix sort passes).
    rank_bits: u32,
    y: Vec<u8>,
    class_weight: ClassWeight,
    /// `ClassWeight::Balanced`'s weights, from the whole training set (empty: none).
    balanced: Vec<f64>,
}

impl Prepared {
    fn new(
        x: &[f64],
        n_features: usize,
        y: &[u8],
        n_classes: usize,
        params: &ForestParams,
    ) -> Result<Self> {
        let missing = params.missing;
        let n = y.len();
        if n_features == 0 || n == 0 {
            return Err(Error::invalid(
                "a forest needs at least one row and one feature",
            ));
        }
        if x.len() != n * n_features {
            return Err(Error::invalid(format!(
                "forest: {} values for {n} rows of {n_features} features",
                x.len()
            )));
        }
        // Bootstrap weights are packed in 24 bits of a sort key, and the exact split
        // criterion needs n³ < 2^64 (see `Proxy`).
        if n >= 1 << 21 {
            return Err(Error::invalid("forest: at most 2,097,151 training rows"));
        }
        if !(1..=256).contains(&n_classes) {
            return Err(Error::invalid("forest: between 1 and 256 classes"));
        }
        if let Some(i) = y.iter().position(|&c| c as usize >= n_classes) {
            return Err(Error::invalid(format!(
                "forest: class index {} of row {i} is not below {n_classes}",
                y[i]
            )));
        }
        if !missing.is_finite() {
            return Err(Error::invalid(
                "forest: the missing-value flag must be finite",
            ));
        }
        if let Some(i) = x.iter().position(|v| v.is_infinite()) {
            return Err(Error::invalid(format!(
                "forest: infinite value in row {}, feature {}",
                i / n_features,
                i % n_features
            )));
        }
        let cols: Vec<(Vec<u32>, Vec<f64>, Vec<u32>)> = (0..n_features)
            .into_par_iter()
            .map(|f| {
                let col: Vec<f32> = (0..n)
                    .map(|i| tree_input(x[i * n_features + f], missing))
                    .collect();
                rank_column(&col)
            })
            .collect();
        let mut rank = Vec::with_capacity(n * n_features);
        let mut values = Vec::with_capacity(n_features);
        let mut far = Vec::with_capacity(n_features);
        let mut sorted = Vec::with_capacity(n * n_features);
        let mut max_rank = 0usize;
        for (r, v, order) in cols {
            rank.extend_from_slice(&r);
            sorted.extend_from_slice(&order);
            far.push(
                (0..v.len())
                    .map(|i| i == 0 || v[i] > v[i - 1] + FEATURE_THRESHOLD)
                    .collect(),
            );
            max_rank = max_rank.max(v.len() - 1);
            values.push(v);
        }
        Ok(Prepared {
            n,
            n_features,
            n_classes,
            rank,
            sorted,
            values,
            far,
            rank_bits: usize::BITS - max_rank.leading_zeros(),
            y: y.to_vec(),
            class_weight: params.class_weight,
            balanced: if params.class_weight == ClassWeight::Balanced {
                let mut counts = vec![0u64; n_classes];
                y.iter().for_each(|&c| counts[c as usize] += 1);
                balanced_weights(&counts)
            } else {
                Vec::new()
            },
        })
    }
}

/// A feature value as the trees see it: f32 (scikit-learn's `DTYPE`), missing
/// (NaN) replaced by the flag.
fn tree_input(v: f64, missing: f64) -> f32 {
    (if v.is_nan() { missing } else { v }) as f32
}

/// Dense ranks of a column (equal values share a rank), the value of each rank, and
/// the rows in rank order.
fn rank_column(col: &[f32]) -> (Vec<u32>, Vec<f64>, Vec<u32>) {
    let order = total_order(col);
    let mut rank = vec![0u32; col.len()];
    let mut values: Vec<f64> = Vec::new();
    let mut last = f32::NAN;
    for &i in &order {
        let v = col[i as usize];
        // -0.0 and 0.0 compare equal and are one value for the splitter.
        if values.is_empty() || v != last {
            values.push(f64::from(v));
            last = v;
        }
        rank[i as usize] = (values.len() - 1) as u32;
    }
    (rank, values, order)
}

/// The rows of a column in `f32::total_cmp` order (equal values in row order): an LSD
/// radix sort of (order-preserving bits, row) keys, a few times faster than a
/// comparison sort for the ~10^4 rows of a balanced training set.
fn total_order(col: &[f32]) -> Vec<u32> {
    let mut keys: Vec<u64> = col
        .iter()
        .enumerate()
        .map(|(i, v)| {
            // total_cmp's order as unsigned integers: negatives reversed below positives.
            let b = v.to_bits();
            let k = if b >> 31 == 1 { !b } else { b | 0x8000_0000 };
            (u64::from(k) << 32) | i as u64
        })
        .collect();
    radix_sort_high::<4>(&mut keys, &mut Vec::new());
    keys.into_iter().map(|k| k as u32).collect()
}

/// Sorts keys by their bits 32 .. 32 + 8·P, stably: LSD radix sort, 8 bits a pass,
/// the digit counts of every pass taken in one read of the keys, a pass skipped when
/// every key has the same digit (narrow rank ranges deep in a tree).
fn radix_sort_high<const P: usize>(keys: &mut Vec<u64>, scratch: &mut Vec<u64>) {
    let len = keys.len();
    // Every slot is written before it is read: only grow the buffer, never clear it.
    if scratch.len() < len {
        scratch.resize(len, 0);
    }
    let mut all_counts = [[0u32; 256]; P];
    for &k in keys.iter() {
        for (pass, counts) in all_counts.iter_mut().enumerate() {
            counts[((k >> (32 + 8 * pass)) & 0xff) as usize] += 1;
        }
    }
    for (pass, counts) in all_counts.iter_mut().enumerate() {
        if counts.contains(&(len as u32)) {
            continue;
        }
        let shift = 32 + 8 * pass;
        let mut sum = 0;
        for c in counts.iter_mut() {
            let here = *c;
            *c = sum;
            sum += here;
        }
        for &k in keys.iter() {
            let d = ((k >> shift) & 0xff) as usize;
            scratch[counts[d] as usize] = k;
            counts[d] += 1;
        }
        std::mem::swap(keys, scratch);
        keys.truncate(len);
    }
}

/// A node waiting on the depth-first stack (scikit-learn's `StackRecord`), with the
/// range of the queries that reach it when only their paths are grown.
struct Pending {
    start: usize,
    end: usize,
    queries: (usize, usize),
    parent: Option<(usize, bool)>,
    n_constant: usize,
    /// The node's random stream (see [`child_stream`]).
    stream: u64,
}

/// The random stream of a child node, from its parent's and its side. Every node draws
/// its candidate features from a stream of its own, a function of its path from the
/// root only, so that a node is the same whether the whole tree is grown or only the
/// paths of the rows to predict ([`Forest::fit_predict`]). (scikit-learn draws from
/// one stream in build order; the features drawn at a node have the same
/// distribution either way.)
fn child_stream(parent: u64, left: bool) -> u64 {
    // SplitMix64's finaliser: distinct paths give distinct streams with overwhelming
    // probability (a tree has a few thousand nodes).
    let mut z = parent
        ^ if left {
            0x9e37_79b9_7f4a_7c15
        } else {
            0xd1b5_4a32_d192_ed03
        };
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The generator of one node of a tree whose key is `tree_key`.
fn node_rng(tree_key: [u8; 32], stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::from_seed(tree_key);
    rng.set_stream(stream);
    rng
}

/// The rows whose leaves are wanted when a tree is grown only along their paths.
struct Queries<'q> {
    /// Row-major, n × n_features, missing already replaced (as in [`Forest::predict_proba`]).
    x: &'q [f32],
    /// Query indices, grouped by the node they have reached.
    order: Vec<u32>,
    n_features: usize,
    reached: Reached,
    n_classes: usize,
}

/// The leaves of one tree that queries fall in: per query the index of its leaf, and
/// the value (class probabilities) of each such leaf. An index per query rather than
/// its value keeps a forest's memory at 4 bytes per query and tree.
struct Reached {
    leaf: Vec<u32>,
    /// n_classes per reached leaf.
    values: Vec<f64>,
}

impl Queries<'_> {
    /// Moves the queries of a node's range that go left (x <= threshold, as
    /// [`Tree::leaf_of`] decides) to its front; returns the boundary.
    fn partition(&mut self, (start, end): (usize, usize), feature: usize, threshold: f64) -> usize {
        let (mut p, mut q) = (start, end);
        while p < q {
            let row = self.order[p] as usize;
            if f64::from(self.x[row * self.n_features + feature]) <= threshold {
                p += 1;
            } else {
                q -= 1;
                self.order.swap(p, q);
            }
        }
        p
    }

    /// The queries of a range have reached the leaf with these class weights (under
    /// the tree's `class_weight`).
    fn reach_leaf(&mut self, (start, end): (usize, usize), counts: &[u64], class_weight: &[f64]) {
        let weights: Vec<u32> = leaf_weights(counts).collect();
        let index = (self.reached.values.len() / self.n_classes) as u32;
        self.reached
            .values
            .extend(leaf_values(&weights, self.n_classes, class_weight));
        for &row in &self.order[start..end] {
            self.reached.leaf[row as usize] = index;
        }
    }
}

/// The best split found in a node.
struct Split {
    feature: usize,
    /// Rank (in `feature`) of the last sample going left.
    left_rank: u32,
    threshold: f64,
    proxy: Proxy,
    /// The floating-point proxy of a class-weighted node (unused otherwise).
    weighted: f64,
}

impl Split {
    /// Whether this split beats `other` (scikit-learn: strictly greater proxy).
    fn beats(&self, other: &Split, weighted: bool) -> bool {
        if weighted {
            self.weighted > other.weighted
        } else {
            self.proxy.beats(&other.proxy)
        }
    }
}

/// scikit-learn's Gini `proxy_impurity_improvement` −w_r·g_r − w_l·g_l equals
/// Σ_c w_lc²/w_l + Σ_c w_rc²/w_r − w: for one node (fixed w) splits rank as the exact
/// fraction `num / den` = (sq_l·w_r + sq_r·w_l) / (w_l·w_r), compared here without
/// rounding (scikit-learn's floating point breaks exact ties by rounding noise; here
/// the first of exactly tied splits wins).
#[derive(Clone, Copy)]
struct Proxy {
    num: u64,
    den: u64,
}

impl Proxy {
    const NONE: Proxy = Proxy { num: 0, den: 0 };

    #[inline]
    fn new(sq_l: u64, w_l: u64, sq_r: u64, w_r: u64) -> Proxy {
        // No overflow: sq ≤ w² and w_l + w_r = n < 2^21 (checked in `Prepared::new`).
        Proxy {
            num: sq_l * w_r + sq_r * w_l,
            den: w_l * w_r,
        }
    }

    #[inline]
    fn beats(&self, other: &Proxy) -> bool {
        other.den == 0
            || u128::from(self.num) * u128::from(other.den)
                > u128::from(other.num) * u128::from(self.den)
    }
}

/// Packed sort key of a sample in a node: rank (high 32 bits), then the sample's
/// packed bootstrap weight and class (see [`TreeBuilder::wc`]).
#[inline]
fn key(rank: u32, wc: u32) -> u64 {
    (u64::from(rank) << 32) | u64::from(wc)
}

/// Sorts node keys by rank: LSD radix sort on the rank bits (8 bits a pass) for large
/// nodes, comparison sort for small ones. Order within a rank is irrelevant (samples
/// of one value are never separated).
fn sort_keys(keys: &mut Vec<u64>, scratch: &mut Vec<u64>, rank_bits: u32) {
    match rank_bits {
        _ if keys.len() < 256 => keys.sort_unstable(),
        0..=8 => radix_sort_high::<1>(keys, scratch),
        9..=16 => radix_sort_high::<2>(keys, scratch),
        17..=24 => radix_sort_high::<3>(keys, scratch),
        _ => keys.sort_unstable(),
    }
}

struct TreeBuilder<'a> {
    data: &'a Prepared,
    max_features: usize,
    /// Per training row: bootstrap weight << 8 | class (weight 0: out of bag).
    wc: Vec<u32>,
    /// The in-bag rows, grouped by node.
    samples: Vec<u32>,
    features: Vec<usize>,
    /// The `features` order each pending node starts from, n_features per node of the
    /// stack (its parent's order after the parent's split).
    feature_states: Vec<usize>,
    constant_features: Vec<usize>,
    keys: Vec<u64>,
    scratch: Vec<u64>,
    counts: Vec<u64>,
    left: Vec<u64>,
    right: Vec<u64>,
    nodes: Vec<Node>,
    weights: Vec<u32>,
    /// This tree's class weights (empty: none), set with its bootstrap.
    class_weight: Vec<f64>,
    /// Weighted size and impurity of every node, for the importances.
    node_stats: Vec<(f64, f64)>,
}

impl<'a> TreeBuilder<'a> {
    fn new(data: &'a Prepared, max_features: usize) -> Self {
        let c = data.n_classes;
        TreeBuilder {
            data,
            max_features,
            wc: Vec::new(),
            scratch: Vec::with_capacity(data.n),
            samples: Vec::with_capacity(data.n),
            features: (0..data.n_features).collect(),
            feature_states: Vec::new(),
            constant_features: vec![0; data.n_features],
            keys: Vec::with_capacity(data.n),
            counts: vec![0; c],
            left: vec![0; c],
            right: vec![0; c],
            nodes: Vec::new(),
            weights: Vec::new(),
            class_weight: Vec::new(),
            node_stats: Vec::new(),
        }
    }

    /// Grows the whole tree.
    fn build(mut self, rng: &mut ChaCha8Rng) -> Tree {
        self.grow(rng, None);
        let importances = self.importances();
        Tree {
            values: leaf_values(&self.weights, self.data.n_classes, &self.class_weight),
            nodes: self.nodes,
            weights: self.weights,
            class_weight: self.class_weight,
            importances,
        }
    }

    /// The leaf every query row falls in, growing only the nodes on the queries'
    /// paths: exactly the leaves [`TreeBuilder::build`]'s tree gives them.
    fn leaves_of(mut self, rng: &mut ChaCha8Rng, x: &[f32]) -> Reached {
        let n = x.len() / self.data.n_features;
        let mut queries = Queries {
            x,
            order: (0..n as u32).collect(),
            n_features: self.data.n_features,
            reached: Reached {
                leaf: vec![0; n],
                values: Vec::new(),
            },
            n_classes: self.data.n_classes,
        };
        self.grow(rng, Some(&mut queries));
        queries.reached
    }

    /// Draws the bootstrap, then grows the tree depth first: every node, or with
    /// `queries` only the nodes some query reaches (nothing is recorded then but the
    /// queries' leaf values).
    fn grow(&mut self, rng: &mut ChaCha8Rng, mut queries: Option<&mut Queries>) {
        let data = self.data;
        let (n, n_features) = (data.n, data.n_features);
        // Bootstrap as integer weights (scikit-learn `_generate_sample_indices`); a
        // weight is at most n < 2^21 (`Prepared::new`), 24 bits are kept for it.
        self.wc = data.y.iter().map(|&c| u32::from(c)).collect();
        for _ in 0..n {
            self.wc[rng.random_range(0..n)] += 1 << 8;
        }
        self.class_weight = match data.class_weight {
            ClassWeight::None => Vec::new(),
            ClassWeight::Balanced => data.balanced.clone(),
            ClassWeight::BalancedSubsample => {
                let mut drawn = vec![0u64; data.n_classes];
                for &wc in &self.wc {
                    drawn[(wc & 0xff) as usize] += u64::from(wc >> 8);
                }
                balanced_weights(&drawn)
            }
        };
        let tree_key: [u8; 32] = rng.random();
        self.samples
            .extend((0..n as u32).filter(|&i| self.wc[i as usize] >> 8 != 0));
        let n_queries = queries.as_ref().map_or(0, |q| q.order.len());
        let whole = queries.is_none();
        self.feature_states.extend(0..n_features);
        let mut stack = vec![Pending {
            start: 0,
            end: self.samples.len(),
            queries: (0, n_queries),
            parent: None,
            n_constant: 0,
            stream: 0,
        }];
        while let Some(p) = stack.pop() {
            let state = self.feature_states.len() - n_features;
            self.features.copy_from_slice(&self.feature_states[state..]);
            self.feature_states.truncate(state);
            let id = self.nodes.len();
            let (w, impurity) = self.count(p.start, p.end);
            if whole {
                if let Some((parent, is_left)) = p.parent {
                    if is_left {
                        self.nodes[parent].left = id as u32;
                    } else {
                        self.nodes[parent].right = id as u32;
                    }
                }
                self.node_stats.push((w, impurity));
            }
            let split = if p.end - p.start < 2 || impurity <= f64::EPSILON {
                None
            } else {
                let mut rng = node_rng(tree_key, p.stream);
                self.node_split(p.start, p.end, p.n_constant, &mut rng)
            };
            let Some((split, n_constant)) = split else {
                match queries.as_deref_mut() {
                    Some(q) => q.reach_leaf(p.queries, &self.counts, &self.class_weight),
                    None => {
                        let leaf = (self.weights.len() / data.n_classes) as u32;
                        self.weights.extend(leaf_weights(&self.counts));
                        self.nodes.push(Node {
                            feature: LEAF,
                            left: leaf,
                            right: 0,
                            threshold: 0.0,
                        });
                    }
                }
                continue;
            };
            let mid = self.partition(p.start, p.end, &split);
            let (q_start, q_end) = p.queries;
            let q_mid = match queries.as_deref_mut() {
                Some(q) => q.partition(p.queries, split.feature, split.threshold),
                None => {
                    self.nodes.push(Node {
                        feature: split.feature as u32,
                        left: 0,
                        right: 0,
                        threshold: split.threshold,
                    });
                    q_end
                }
            };
            // Right pushed first: the left subtree is built first, as in
            // scikit-learn's DepthFirstTreeBuilder.
            for (start, end, reached, is_left) in [
                (mid, p.end, (q_mid, q_end), false),
                (p.start, mid, (q_start, q_mid), true),
            ] {
                if whole || reached.0 < reached.1 {
                    self.feature_states.extend_from_slice(&self.features);
                    stack.push(Pending {
                        start,
                        end,
                        queries: reached,
                        parent: Some((id, is_left)),
                        n_constant,
                        stream: child_stream(p.stream, is_left),
                    });
                }
            }
        }
    }

    /// Feature `f`'s rank of every training row.
    fn rank(&self, f: usize) -> &'a [u32] {
        let n = self.data.n;
        &self.data.rank[f * n..(f + 1) * n]
    }

    /// Class weights of a node into `self.counts`; returns the node's weighted size
    /// and Gini impurity (under the tree's class weights when it has any).
    fn count(&mut self, start: usize, end: usize) -> (f64, f64) {
        self.counts.iter_mut().for_each(|c| *c = 0);
        for &s in &self.samples[start..end] {
            let wc = self.wc[s as usize];
            self.counts[(wc & 0xff) as usize] += u64::from(wc >> 8);
        }
        if !self.class_weight.is_empty() {
            let (w, sq) = weighted_sums(&self.counts, &self.class_weight);
            return (w, 1.0 - sq / (w * w));
        }
        let w: u64 = self.counts.iter().sum();
        let sq = self.counts.iter().map(|c| c * c).sum();
        (w as f64, gini(sq, w))
    }

    /// scikit-learn's `BestSplitter.node_split`; `self.counts` holds the node's class
    /// weights. Returns the split and the number of known-constant features for the
    /// children, `None` when no feature splits the node.
    fn node_split(
        &mut self,
        start: usize,
        end: usize,
        n_known_constants: usize,
        rng: &mut ChaCha8Rng,
    ) -> Option<(Split, usize)> {
        let n_features = self.data.n_features;
        let mut f_i = n_features;
        let mut n_visited = 0usize;
        let mut n_found_constants = 0usize;
        let mut n_drawn_constants = 0usize;
        let mut n_total_constants = n_known_constants;
        self.constant_features[..n_known_constants]
            .copy_from_slice(&self.features[..n_known_constants]);
        let mut best: Option<Split> = None;

        while f_i > n_total_constants
            && (n_visited < self.max_features || n_visited <= n_found_constants + n_drawn_constants)
        {
            n_visited += 1;
            let mut f_j = rng.random_range(n_drawn_constants..f_i - n_found_constants);
            if f_j < n_known_constants {
                self.features.swap(n_drawn_constants, f_j);
                n_drawn_constants += 1;
                continue;
            }
            f_j += n_found_constants;
            let feature = self.features[f_j];
            match self.best_split_on(feature, start, end) {
                None => {
                    self.features.swap(f_j, n_total_constants);
                    n_found_constants += 1;
                    n_total_constants += 1;
                }
                Some(split) => {
                    f_i -= 1;
                    self.features.swap(f_i, f_j);
                    let weighted = !self.class_weight.is_empty();
                    if best.as_ref().is_none_or(|b| split.beats(b, weighted)) {
                        best = Some(split);
                    }
                }
            }
        }
        self.features[..n_known_constants]
            .copy_from_slice(&self.constant_features[..n_known_constants]);
        self.constant_features[n_known_constants..n_total_constants]
            .copy_from_slice(&self.features[n_known_constants..n_total_constants]);
        best.map(|b| (b, n_total_constants))
    }

    /// The best split of a node on one feature, `None` when the feature is constant
    /// in the node (a non-constant feature always has a split position).
    fn best_split_on(&mut self, feature: usize, start: usize, end: usize) -> Option<Split> {
        let data = self.data;
        let rank = self.rank(feature);
        let values = &data.values[feature];
        let far = &data.far[feature];
        if end - start == self.samples.len() {
            // The root holds every in-bag row: its keys come sorted from the rows in
            // rank order, the out-of-bag ones (weight 0) left out.
            // Branch-free: about a third of the rows are out of bag, at random.
            // (Every slot up to m is written before it is read: no need to clear.)
            let n = data.n;
            self.keys.resize(n, 0);
            let mut m = 0;
            for &i in &data.sorted[feature * n..(feature + 1) * n] {
                let (i, keys) = (i as usize, &mut self.keys);
                keys[m] = key(rank[i], self.wc[i]);
                m += usize::from(self.wc[i] >> 8 != 0);
            }
            self.keys.truncate(m);
        } else {
            self.keys.clear();
            // `extend` from a slice iterator reserves once: no capacity check per key.
            let wc = &self.wc;
            self.keys.extend(self.samples[start..end].iter().map(|&s| {
                let s = s as usize;
                key(rank[s], wc[s])
            }));
            sort_keys(&mut self.keys, &mut self.scratch, data.rank_bits);
        }
        let keys = &self.keys;
        let rank_of = |k: u64| (k >> 32) as usize;
        let lo = values[rank_of(keys[0])];
        let hi = values[rank_of(keys[keys.len() - 1])];
        if hi <= lo + FEATURE_THRESHOLD {
            return None;
        }
        // Exact integer running sums: left/right class weights, their squares' sums.
        let left = &mut self.left;
        let right = &mut self.right;
        left.iter_mut().for_each(|c| *c = 0);
        right.copy_from_slice(&self.counts);
        let (mut w_l, mut w_r) = (0u64, self.counts.iter().sum::<u64>());
        let (mut sq_l, mut sq_r) = (0u64, self.counts.iter().map(|c| c * c).sum::<u64>());
        let mut best = Split {
            feature,
            left_rank: 0,
            threshold: 0.0,
            proxy: Proxy::NONE,
            weighted: f64::NEG_INFINITY,
        };
        let class_weight = &self.class_weight;
        for p in 0..keys.len() - 1 {
            let k = keys[p];
            let c = (k & 0xff) as usize;
            let w = (k >> 8) & 0x00ff_ffff;
            sq_l += (2 * left[c] + w) * w;
            left[c] += w;
            sq_r -= (2 * right[c] - w) * w;
            right[c] -= w;
            w_l += w;
            w_r -= w;
            let (r, r_next) = (rank_of(k), rank_of(keys[p + 1]));
            // Split only between values more than 1e-7 apart (scikit-learn's
            // FEATURE_THRESHOLD); `far` settles it without the values in nearly all cases.
            if r_next == r || (!far[r_next] && values[r_next] <= values[r] + FEATURE_THRESHOLD) {
                continue;
            }
            if !class_weight.is_empty() {
                let proxy = weighted_proxy(left, right, class_weight);
                if proxy > best.weighted {
                    best.weighted = proxy;
                    best.left_rank = r as u32;
                }
                continue;
            }
            let proxy = Proxy::new(sq_l, w_l, sq_r, w_r);
            if proxy.beats(&best.proxy) {
                best.proxy = proxy;
                best.left_rank = r as u32;
            }
        }
        // Midpoint threshold (scikit-learn: the lower value when the midpoint rounds
        // up to the upper one).
        let r = best.left_rank as usize;
        let v = values[r];
        let r_next = rank_of(keys[keys.partition_point(|&k| rank_of(k) <= r)]);
        let v_next = values[r_next];
        let mut threshold = v / 2.0 + v_next / 2.0;
        if threshold == v_next || !threshold.is_finite() {
            threshold = v;
        }
        best.threshold = threshold;
        Some(best)
    }

    /// Moves the samples going left to the front of the node; returns the boundary.
    fn partition(&mut self, start: usize, end: usize, split: &Split) -> usize {
        let rank = self.rank(split.feature);
        let (mut p, mut q) = (start, end);
        while p < q {
            if rank[self.samples[p] as usize] <= split.left_rank {
                p += 1;
            } else {
                q -= 1;
                self.samples.swap(p, q);
            }
        }
        p
    }

    /// scikit-learn's `compute_feature_importances` (normalised).
    fn importances(&self) -> Vec<f64> {
        let mut imp = vec![0.0f64; self.data.n_features];
        for (node, &(w, impurity)) in self.nodes.iter().zip(&self.node_stats) {
            if node.feature == LEAF {
                continue;
            }
            let (wl, il) = self.node_stats[node.left as usize];
            let (wr, ir) = self.node_stats[node.right as usize];
            imp[node.feature as usize] += w * impurity - wl * il - wr * ir;
        }
        let root = self.node_stats[0].0;
        imp.iter_mut().for_each(|v| *v /= root);
        let total: f64 = imp.iter().sum();
        if total > 0.0 {
            imp.iter_mut().for_each(|v| *v /= total);
        }
        imp
    }
}

/// Gini impurity from the total weight and the sum of squared class weights.
fn gini(sq: u64, w: u64) -> f64 {
    1.0 - sq as f64 / (w as f64 * w as f64)
}

pub mod model;
pub mod tables;

pub use model::{MODEL_FORMAT, MODEL_VERSION, Model};

#[cfg(test)]
mod tests;
