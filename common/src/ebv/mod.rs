//! Spec section 3 in one place: the E(B-V) toward a source (`sfd`: the SFD map,
//! x0.86), the absorption of the training AGNs' X-ray fluxes (`absorption`: tbabs,
//! paper eq. 5), the extinction of their magnitudes and the reddening of a training
//! set (`redden`: Fitzpatrick 1999), and the E(B-V) bins (`bins`: 25 mmag, reddened
//! to each bin's mean E(B-V)).

pub mod absorption;
pub mod bins;
pub mod redden;
pub mod sfd;
