//! Report section for the `ordinal` module.

use super::{ReportContext, Section};
use crate::error::Result;

/// Build the `ordinal` section.
pub fn section(_ctx: &mut ReportContext) -> Result<Section> {
    Ok(Section {
        id: "ordinal",
        title: "ordinal".into(),
        html: "<p>Not built yet.</p>".into(),
    })
}
