//! Report section for the `echo` module.

use super::{ReportContext, Section};
use crate::error::Result;

/// Build the `echo` section.
pub fn section(_ctx: &mut ReportContext) -> Result<Section> {
    Ok(Section {
        id: "echo",
        title: "echo".into(),
        html: "<p>Not built yet.</p>".into(),
    })
}
