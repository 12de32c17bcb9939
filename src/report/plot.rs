//! Figure types shared by every report section. Each figure is drawn once per backend (SVG for
//! the page, PNG for slides), by the same code.

use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;
use std::sync::Once;

const W: u32 = 760;
const H: u32 = 480;
const FONT: &str = "sans-serif";

/// The palette: colour-blind-safe (Okabe-Ito).
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(240, 228, 66),
];

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // PNG text needs a font the bitmap backend can rasterize; ship one rather than depend on
        // the system's. SVG text is rendered by the browser.
        let _ = plotters::style::register_font(
            FONT,
            FontStyle::Normal,
            include_bytes!("../../assets/fonts/DejaVuSans.ttf"),
        );
    });
}

fn plot_err(e: impl std::fmt::Display) -> Error {
    Error::Numerical(format!("drawing a figure: {e}"))
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Connected line.
    Line,
    /// Markers only.
    Points,
    /// Line with markers.
    LinePoints,
    /// Dashed line (theory curves).
    Dashed,
}

/// One named series of (x, y) points, optionally with symmetric error bars. A series with an
/// empty name is context: drawn in grey, without a legend entry.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend entry.
    pub name: String,
    /// Points in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Half-widths of error bars, one per point.
    pub errors: Option<Vec<f64>>,
    /// Drawing style.
    pub style: Style,
}

impl Series {
    /// A series with no error bars.
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>, style: Style) -> Self {
        Self {
            name: name.into(),
            points,
            errors: None,
            style,
        }
    }

    /// Attach error-bar half-widths.
    pub fn with_errors(mut self, errors: Vec<f64>) -> Self {
        self.errors = Some(errors);
        self
    }
}

/// An x-y chart with any number of series; axes may be logarithmic.
#[derive(Debug, Clone)]
pub struct LineChart {
    /// Title above the plot.
    pub title: String,
    /// x-axis label.
    pub x_label: String,
    /// y-axis label.
    pub y_label: String,
    /// Log10 x axis.
    pub log_x: bool,
    /// Log10 y axis.
    pub log_y: bool,
    /// The data.
    pub series: Vec<Series>,
}

/// Box-and-whisker chart: one box per group (quartiles, whiskers at min/max).
#[derive(Debug, Clone)]
pub struct BoxChart {
    /// Title above the plot.
    pub title: String,
    /// y-axis label.
    pub y_label: String,
    /// Log10 y axis.
    pub log_y: bool,
    /// (group label, sample).
    pub groups: Vec<(String, Vec<f64>)>,
}

/// Paths of a rendered figure, relative to the report folder.
#[derive(Debug, Clone)]
pub struct Figure {
    /// `figures/<stem>.svg`
    pub svg: String,
    /// `figures/<stem>.png`
    pub png: String,
}

fn tf(v: f64, log: bool) -> f64 {
    if log { v.log10() } else { v }
}

/// A tick label; `span` is the axis range in plotted units. On a linear axis a tick within
/// 1e-9 of the span from zero is zero: tick positions are sums of floating steps, and printing
/// the rounding residue (−2.2e-16) as a number would mislead.
fn fmt_tick(v: f64, log: bool, span: f64) -> String {
    let p = if log { 10f64.powf(v) } else { v };
    if p == 0.0 || (!log && p.abs() <= 1e-9 * span.abs()) {
        "0".into()
    } else if p.abs() < 1e-3 || p.abs() >= 1e5 {
        format!("{p:.1e}")
    } else {
        // Three significant digits, trailing zeros dropped.
        let digits = (2 - p.abs().log10().floor() as i32).max(0) as usize;
        let s = format!("{p:.digits$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    }
}

fn range(vals: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in vals.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if hi > lo {
        0.05 * (hi - lo)
    } else {
        0.5 * lo.abs().max(1.0)
    };
    (lo - pad, hi + pad)
}

impl LineChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(plot_err)?;
        let pts = |s: &Series| {
            s.points
                .iter()
                .enumerate()
                .flat_map(|(i, &(x, y))| {
                    let e = s.errors.as_ref().map_or(0.0, |e| e[i]);
                    [(x, y - e), (x, y + e)]
                })
                .filter(|&(x, y)| (!self.log_x || x > 0.0) && (!self.log_y || y > 0.0))
                .collect::<Vec<_>>()
        };
        let all: Vec<(f64, f64)> = self.series.iter().flat_map(pts).collect();
        let (x0, x1) = range(all.iter().map(|p| tf(p.0, self.log_x)));
        let (y0, y1) = range(all.iter().map(|p| tf(p.1, self.log_y)));
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 20))
            .margin(12)
            .x_label_area_size(42)
            .y_label_area_size(64)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(plot_err)?;
        let (lx, ly) = (self.log_x, self.log_y);
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .x_label_formatter(&|v| fmt_tick(*v, lx, x1 - x0))
            .y_label_formatter(&|v| fmt_tick(*v, ly, y1 - y0))
            .label_style((FONT, 13))
            .draw()
            .map_err(plot_err)?;
        // Palette colours go to the named series in order; a series without a name is context
        // (drawn in grey, no legend entry).
        let mut named = 0;
        for s in &self.series {
            let color = if s.name.is_empty() {
                RGBColor(190, 190, 190)
            } else {
                named += 1;
                PALETTE[(named - 1) % PALETTE.len()]
            };
            let data: Vec<(f64, f64)> = s
                .points
                .iter()
                .filter(|&&(x, y)| (!lx || x > 0.0) && (!ly || y > 0.0))
                .map(|&(x, y)| (tf(x, lx), tf(y, ly)))
                .collect();
            let legend_style = color.stroke_width(2);
            let anno = match s.style {
                Style::Points => chart
                    .draw_series(data.iter().map(|&p| Circle::new(p, 3, color.filled())))
                    .map_err(plot_err)?,
                Style::Dashed => chart
                    .draw_series(DashedLineSeries::new(
                        data.clone(),
                        6,
                        4,
                        color.stroke_width(2),
                    ))
                    .map_err(plot_err)?,
                Style::Line | Style::LinePoints => {
                    if s.style == Style::LinePoints {
                        chart
                            .draw_series(data.iter().map(|&p| Circle::new(p, 3, color.filled())))
                            .map_err(plot_err)?;
                    }
                    chart
                        .draw_series(LineSeries::new(data.clone(), color.stroke_width(2)))
                        .map_err(plot_err)?
                }
            };
            if !s.name.is_empty() {
                anno.label(s.name.clone()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], legend_style)
                });
            }
            if let Some(errs) = &s.errors {
                let bars: Vec<_> = s
                    .points
                    .iter()
                    .zip(errs)
                    .filter(|&(&(x, y), e)| (!lx || x > 0.0) && (!ly || y - e > 0.0))
                    .map(|(&(x, y), &e)| {
                        ErrorBar::new_vertical(
                            tf(x, lx),
                            tf(y - e, ly),
                            tf(y, ly),
                            tf(y + e, ly),
                            color.stroke_width(1),
                            6,
                        )
                    })
                    .collect();
                chart.draw_series(bars).map_err(plot_err)?;
            }
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font((FONT, 13))
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(plot_err)?;
        Ok(())
    }
}

fn quartiles(v: &[f64]) -> [f64; 5] {
    let q = |p| crate::montecarlo::stats::quantile(v, p).unwrap_or(f64::NAN);
    [q(0.0), q(0.25), q(0.5), q(0.75), q(1.0)]
}

impl BoxChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(plot_err)?;
        let ly = self.log_y;
        let k = self.groups.len().max(1) as f64;
        let (y0, y1) = range(
            self.groups
                .iter()
                .flat_map(|g| g.1.iter().copied())
                .filter(|&v| !ly || v > 0.0)
                .map(|v| tf(v, ly)),
        );
        let names: Vec<String> = self.groups.iter().map(|g| g.0.clone()).collect();
        // Group names wider than their slot (about 7 px a character at 13 px) would run into
        // each other: then they are turned to read downwards, in a label area as tall as the
        // longest (turned glyphs set a little tighter, about 6 px).
        let longest = names.iter().map(|n| n.chars().count()).max().unwrap_or(0) as u32;
        let slot = f64::from(W - 100) / k;
        let turned = f64::from(7 * longest) > slot;
        let x_area = if turned {
            (16 + 6 * longest).min(H / 3)
        } else {
            42
        };

        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 20))
            .margin(12)
            .x_label_area_size(x_area)
            .y_label_area_size(64)
            .build_cartesian_2d(-0.5..k - 0.5, y0..y1)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(self.groups.len().max(1))
            .x_label_formatter(&|v| {
                let i = v.round();
                if !turned && (v - i).abs() < 0.01 && i >= 0.0 {
                    names.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_desc(&self.y_label)
            .y_label_formatter(&|v| fmt_tick(*v, ly, y1 - y0))
            .label_style((FONT, 13))
            .draw()
            .map_err(plot_err)?;
        if turned {
            // Drawn here rather than by the mesh, which centres every label on its tick: a
            // turned name starts just below its tick and reads downwards.
            let style = TextStyle::from((FONT, 13).into_font().transform(FontTransform::Rotate90))
                .pos(Pos::new(HPos::Left, VPos::Center));
            for (i, name) in names.iter().enumerate() {
                let (px, py) = chart.backend_coord(&(i as f64, y0));
                root.draw_text(name, &style, (px, py + 6))
                    .map_err(plot_err)?;
            }
        }
        for (i, (_, sample)) in self.groups.iter().enumerate() {
            let v: Vec<f64> = sample
                .iter()
                .copied()
                .filter(|&v| !ly || v > 0.0)
                .map(|v| tf(v, ly))
                .collect();
            if v.is_empty() {
                continue;
            }
            let [mn, q1, md, q3, mx] = quartiles(&v);
            let x = i as f64;
            let c = PALETTE[i % PALETTE.len()];
            chart
                .draw_series([Rectangle::new(
                    [(x - 0.3, q1), (x + 0.3, q3)],
                    c.mix(0.3).filled(),
                )])
                .map_err(plot_err)?;
            chart
                .draw_series([Rectangle::new(
                    [(x - 0.3, q1), (x + 0.3, q3)],
                    c.stroke_width(2),
                )])
                .map_err(plot_err)?;
            let seg =
                |a: (f64, f64), b: (f64, f64)| PathElement::new(vec![a, b], c.stroke_width(2));
            chart
                .draw_series([
                    seg((x - 0.3, md), (x + 0.3, md)),
                    seg((x, q3), (x, mx)),
                    seg((x, q1), (x, mn)),
                    seg((x - 0.15, mx), (x + 0.15, mx)),
                    seg((x - 0.15, mn), (x + 0.15, mn)),
                ])
                .map_err(plot_err)?;
        }
        Ok(())
    }
}

/// Anything that can draw itself on a plotters area.
pub trait Chart {
    /// Draw on `root` (SVG or bitmap).
    fn draw_svg(&self, root: &DrawingArea<SVGBackend<'_>, Shift>) -> Result<()>;
    /// Draw on a bitmap.
    fn draw_png(&self, root: &DrawingArea<BitMapBackend<'_>, Shift>) -> Result<()>;
}

macro_rules! impl_chart {
    ($t:ty) => {
        impl Chart for $t {
            fn draw_svg(&self, root: &DrawingArea<SVGBackend<'_>, Shift>) -> Result<()> {
                self.draw(root)
            }
            fn draw_png(&self, root: &DrawingArea<BitMapBackend<'_>, Shift>) -> Result<()> {
                self.draw(root)
            }
        }
    };
}
impl_chart!(LineChart);
impl_chart!(BoxChart);

/// Render `chart` to `<dir>/figures/<stem>.svg` and `.png`; each file appears whole or not at all.
pub fn render(chart: &dyn Chart, dir: &Path, stem: &str) -> Result<Figure> {
    register_font();
    let fig_dir = dir.join("figures");
    std::fs::create_dir_all(&fig_dir).map_err(|e| Error::io(&fig_dir, e))?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (W, H)).into_drawing_area();
        chart.draw_svg(&root)?;
        root.present().map_err(plot_err)?;
    }
    let svg_path = fig_dir.join(format!("{stem}.svg"));
    crate::fsutil::atomic_write(&svg_path, |f| {
        use std::io::Write;
        f.write_all(svg.as_bytes())
            .map_err(|e| Error::io(&svg_path, e))
    })?;
    // The bitmap backend writes straight to its path on `present`; drawing into a temporary
    // sibling and renaming keeps the write atomic.
    let png_path = fig_dir.join(format!("{stem}.png"));
    let tmp = fig_dir.join(format!(".{stem}.tmp-{}.png", std::process::id()));
    let res = (|| {
        let root = BitMapBackend::new(&tmp, (W, H)).into_drawing_area();
        chart.draw_png(&root)?;
        root.present().map_err(plot_err)?;
        drop(root);
        std::fs::rename(&tmp, &png_path).map_err(|e| Error::io(&png_path, e))
    })();
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res?;
    Ok(Figure {
        svg: format!("figures/{stem}.svg"),
        png: format!("figures/{stem}.png"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_at_rounding_residue_of_zero_read_zero() {
        assert_eq!(fmt_tick(-2.220446049250313e-16, false, 2.0), "0");
        assert_eq!(fmt_tick(0.25, false, 2.0), "0.25");
        // A genuinely small axis keeps its small ticks.
        assert_eq!(fmt_tick(2e-16, false, 1e-15), "2.0e-16");
        // Log axes plot exponents: 10^-16 is a value there, not a residue.
        assert_eq!(fmt_tick(-16.0, true, 4.0), "1.0e-16");
    }
}
