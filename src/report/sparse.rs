//! Report section for the `sparse` module.

use super::{ReportContext, Section};
use crate::error::Result;

/// Build the `sparse` section.
pub fn section(_ctx: &mut ReportContext) -> Result<Section> {
    Ok(Section {
        id: "sparse",
        title: "sparse".into(),
        html: "<p>Not built yet.</p>".into(),
    })
}
