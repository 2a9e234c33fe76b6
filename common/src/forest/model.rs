//! The model file of `rforest train` / `rforest predict`: a fitted forest with the
//! feature and class names it was trained on, as postcard behind a magic header, or as
//! JSON (`.json`). Every file is checked on load so that prediction can neither index
//! out of range nor loop (docs/formats.md).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{Forest, ForestParams};
use crate::error::{Error, Result};

/// What a model file holds: the forest with the names it was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub format: String,
    pub version: u32,
    pub features: Vec<String>,
    pub classes: Vec<String>,
    pub params: ForestParams,
    pub forest: Forest,
}

/// Identifies a model file and its layout version.
pub const MODEL_FORMAT: &str = "muwclass-rforest";
/// Version 3: the forest's class weights (`ClassWeight`) in its parameters and trees;
/// version 2 had none, version 1 held leaf fractions instead of class weights.
pub const MODEL_VERSION: u32 = 3;
/// The first bytes of a postcard model file.
pub(super) const MAGIC: &[u8; 8] = b"MUWRF\x00\x00\x01";

impl Model {
    pub fn new(
        features: Vec<String>,
        classes: Vec<String>,
        params: ForestParams,
        forest: Forest,
    ) -> Self {
        Model {
            format: MODEL_FORMAT.to_string(),
            version: MODEL_VERSION,
            features,
            classes,
            params,
            forest,
        }
    }

    /// Serialises to JSON when the path ends in `.json`, else to postcard behind a
    /// magic header. Written to a temporary file and renamed (atomic for make).
    pub fn save(&self, path: &Path) -> Result<()> {
        let name = path.display().to_string();
        let bytes = if is_json(path) {
            serde_json::to_vec(self).map_err(|e| Error::file(&name, e.to_string()))?
        } else {
            let mut b = MAGIC.to_vec();
            b.extend(postcard::to_stdvec(self).map_err(|e| Error::file(&name, e.to_string()))?);
            b
        };
        crate::table::write_atomically(path, &bytes)
    }

    /// Reads a model written by [`Model::save`]; anything else (another format,
    /// another version, a damaged file) is a clear error.
    pub fn load(path: &Path) -> Result<Model> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| Error::io(&name, e))?;
        Self::from_bytes(&name, &bytes, is_json(path))
    }

    pub fn from_bytes(name: &str, bytes: &[u8], json: bool) -> Result<Model> {
        let not_model = |why: String| {
            Error::file(
                name,
                format!("not a {MODEL_FORMAT} model of version {MODEL_VERSION} ({why})"),
            )
        };
        let body = if json {
            bytes
        } else {
            bytes
                .strip_prefix(MAGIC.as_slice())
                .ok_or_else(|| not_model("unknown file header".to_string()))?
        };
        let parsed = if json {
            serde_json::from_slice::<Model>(body).map_err(|e| e.to_string())
        } else {
            postcard::from_bytes::<Model>(body).map_err(|e| e.to_string())
        };
        // Format and version come first in every version: a model of another version
        // that fails to parse is named by them rather than by the parse error.
        let head = match &parsed {
            Ok(m) => Some((m.format.clone(), m.version)),
            Err(_) if json => serde_json::from_slice::<ModelHead>(body)
                .ok()
                .map(|h| (h.format, h.version)),
            Err(_) => postcard::take_from_bytes::<ModelHead>(body)
                .ok()
                .map(|(h, _)| (h.format, h.version)),
        };
        if let Some((format, version)) = head
            && (format != MODEL_FORMAT || version != MODEL_VERSION)
        {
            return Err(not_model(format!("{format} version {version}")));
        }
        let mut model = parsed.map_err(not_model)?;
        let forest = &mut model.forest;
        if model.features.len() != forest.n_features
            || model.classes.len() != forest.n_classes
            || forest.n_classes == 0
        {
            return Err(not_model("names do not match the forest".to_string()));
        }
        let (n_features, n_classes) = (forest.n_features, forest.n_classes);
        for (t, tree) in forest.trees.iter_mut().enumerate() {
            tree.restore(n_features, n_classes)
                .map_err(|why| not_model(format!("tree {t}: {why}")))?;
        }
        Ok(model)
    }
}

/// The leading fields of every model file.
#[derive(Deserialize)]
struct ModelHead {
    format: String,
    version: u32,
}

fn is_json(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}
