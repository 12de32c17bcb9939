//! Report section for the `ldp` module.

use super::{ReportContext, Section};
use crate::error::Result;

/// Build the `ldp` section.
pub fn section(_ctx: &mut ReportContext) -> Result<Section> {
    Ok(Section {
        id: "ldp",
        title: "ldp".into(),
        html: "<p>Not built yet.</p>".into(),
    })
}
