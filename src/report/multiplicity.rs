//! Report section for the `multiplicity` module.

use super::{ReportContext, Section};
use crate::error::Result;

/// Build the `multiplicity` section.
pub fn section(_ctx: &mut ReportContext) -> Result<Section> {
    Ok(Section {
        id: "multiplicity",
        title: "multiplicity".into(),
        html: "<p>Not built yet.</p>".into(),
    })
}
