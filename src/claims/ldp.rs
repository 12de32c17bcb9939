//! Claims of the `ldp` module.

use crate::montecarlo::{Claim, Scale};

/// This module's claims at the given scale.
pub fn claims(_scale: Scale) -> Vec<Box<dyn Claim>> {
    Vec::new()
}
