//! Every verified claim, one file per module, registered in [`all`].

pub mod echo;
pub mod expfam;
pub mod ldp;
pub mod multiplicity;
pub mod ordinal;
pub mod sparse;

use crate::error::{Error, Result};
use crate::montecarlo::{Claim, Scale};

/// All claims, sized for `scale`.
pub fn all(scale: Scale) -> Vec<Box<dyn Claim>> {
    let mut v = Vec::new();
    v.extend(sparse::claims(scale));
    v.extend(ldp::claims(scale));
    v.extend(ordinal::claims(scale));
    v.extend(expfam::claims(scale));
    v.extend(multiplicity::claims(scale));
    v.extend(echo::claims(scale));
    v
}

/// The claim called `name`.
pub fn find(name: &str, scale: Scale) -> Result<Box<dyn Claim>> {
    let all = all(scale);
    let known = all.iter().map(|c| c.name()).collect::<Vec<_>>().join(", ");
    all.into_iter()
        .find(|c| c.name() == name)
        .ok_or(Error::UnknownName {
            kind: "claim",
            name: name.to_string(),
            known,
        })
}
