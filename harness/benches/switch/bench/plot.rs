//! The packet-size sweep drawn as one SVG with two charts side by side:
//! delivered throughput against datagram size, and the share lost against
//! datagram size, one line per link (the switch, veth). Drawn with
//! `plotters`' SVG backend; text is left to the SVG viewer's fonts.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::error::BenchError;

/// One link's medians at each datagram size.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The legend's name for it.
    pub name: String,
    /// By ascending size; sizes not measured are left out.
    pub points: Vec<Point>,
}

/// The medians at one datagram size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// UDP payload bytes per datagram.
    pub len: usize,
    /// Payload delivered, Mbit/s.
    pub mbps: f64,
    /// Datagrams lost, % of those sent.
    pub lost_percent: f64,
}

/// The whole picture, in pixels.
const SIZE: (u32, u32) = (1100, 460);
/// Line colours, by series.
const COLOURS: [RGBColor; 4] = [RGBColor(200, 40, 40), RGBColor(30, 90, 200), GREEN, BLACK];

/// Writes the two charts of `series` to `path` (made or replaced).
pub fn write(path: &Path, series: &[Series]) -> Result<(), BenchError> {
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(|e| plot_error(path, e.to_string()))?;
    }
    draw(path, series).map_err(|e| plot_error(path, e.to_string()))
}

fn plot_error(path: &Path, message: String) -> BenchError {
    BenchError::Output { path: path.to_path_buf(), message }
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type DrawResult = Result<(), DrawingAreaErrorKind<std::io::Error>>;

fn draw(path: &Path, series: &[Series]) -> DrawResult {
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled("UDP flood, one flow (iperf3 -u -b 0 -l SIZE): switch vs veth", ("sans-serif", 20))?;
    let (left, right) = root.split_horizontally(SIZE.0 / 2);
    let top = series.iter().flat_map(|s| &s.points).map(|p| p.mbps).fold(0.0, f64::max);
    let rate =
        Panel { caption: "Throughput vs datagram size", y_desc: "delivered (Mbit/s of UDP payload)", y_max: top };
    chart(&left, series, &rate, |p| p.mbps)?;
    let loss = Panel { caption: "Loss vs datagram size", y_desc: "lost (% of datagrams sent)", y_max: 100.0 };
    chart(&right, series, &loss, |p| p.lost_percent)?;
    root.present()
}

/// What one chart shows on its y axis.
struct Panel {
    caption: &'static str,
    y_desc: &'static str,
    /// The largest value; the axis goes a quarter above it, which leaves
    /// the legend (upper left) room.
    y_max: f64,
}

fn chart(area: &Area<'_>, series: &[Series], panel: &Panel, y: fn(&Point) -> f64) -> DrawResult {
    let x_max = series.iter().flat_map(|s| &s.points).map(|p| p.len as f64).fold(64.0, f64::max) * 1.05;
    let y_max = (panel.y_max * 1.25).max(1.0);
    let mut chart = ChartBuilder::on(area)
        .caption(panel.caption, ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
    chart
        .configure_mesh()
        .x_desc("datagram size (bytes of UDP payload)")
        .y_desc(panel.y_desc)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()?;
    for (s, colour) in series.iter().zip(COLOURS.iter().cycle()) {
        let line = s.points.iter().map(|p| (p.len as f64, y(p)));
        chart
            .draw_series(LineSeries::new(line, colour.stroke_width(2)).point_size(3))?
            .label(s.name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plot_is_an_svg_with_both_series() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("sub").join("plot.svg");
        let point = |len, mbps, lost_percent| Point { len, mbps, lost_percent };
        let series = [
            Series { name: "quiesce switch".into(), points: vec![point(64, 80.0, 60.0), point(1472, 900.0, 10.0)] },
            Series { name: "veth".into(), points: vec![point(64, 250.0, 2.0), point(1472, 4000.0, 1.0)] },
        ];
        write(&path, &series).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        let doc = roxmltree::Document::parse(&svg).unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        for text in ["quiesce switch", "veth", "Throughput vs datagram size", "lost (% of datagrams sent)"] {
            assert!(svg.contains(text), "no {text:?} in the plot");
        }
    }
}
