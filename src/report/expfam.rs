//! Report section for the `expfam` module.

use super::{ReportContext, Section};
use crate::error::Result;

/// Build the `expfam` section.
pub fn section(_ctx: &mut ReportContext) -> Result<Section> {
    Ok(Section {
        id: "expfam",
        title: "expfam".into(),
        html: "<p>Not built yet.</p>".into(),
    })
}
