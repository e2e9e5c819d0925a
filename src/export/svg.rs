//! SVG plots of sweeps (plotters, SVG backend, no system fonts needed): the Monte Carlo points
//! with their 95% intervals as error bars, the closed form as a line, one colour per series.

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::prelude::*;

/// One series of a plot.
#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    /// Simulated points: x, estimate, interval low, interval high.
    pub points: Vec<(f64, f64, f64, f64)>,
    /// The closed form along x (a dense curve), where one exists.
    pub curve: Vec<(f64, f64)>,
}

#[derive(Debug, Clone)]
pub struct Plot {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub log_x: bool,
    pub log_y: bool,
    /// The x values are times (seconds since the epoch): ticks read as dates.
    pub x_dates: bool,
    pub series: Vec<Series>,
}

const COLOURS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

fn colour(i: usize) -> RGBColor {
    COLOURS[i % COLOURS.len()]
}

impl Plot {
    /// Values that can be drawn: on a log axis only positive ones.
    fn visible(&self, v: f64, log: bool) -> bool {
        v.is_finite() && (!log || v > 0.0)
    }

    fn bounds(&self) -> ((f64, f64), (f64, f64)) {
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for s in &self.series {
            for &(x, y, lo, hi) in &s.points {
                xs.push(x);
                ys.extend([y, lo, hi]);
            }
            for &(x, y) in &s.curve {
                xs.push(x);
                ys.push(y);
            }
        }
        let range = |v: Vec<f64>, log: bool| {
            let v: Vec<f64> = v.into_iter().filter(|&a| self.visible(a, log)).collect();
            let (mut lo, mut hi) = v
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                });
            if !lo.is_finite() {
                (lo, hi) = if log { (1e-6, 1.0) } else { (0.0, 1.0) };
            }
            if hi <= lo {
                (lo, hi) = if log {
                    (lo / 2.0, hi * 2.0)
                } else {
                    (lo - 0.5, hi + 0.5)
                };
            }
            if log {
                (lo / 1.25, hi * 1.25)
            } else {
                let pad = 0.05 * (hi - lo);
                (lo - pad, hi + pad)
            }
        };
        (range(xs, self.log_x), range(ys, self.log_y))
    }

    /// The plot as SVG text.
    pub fn render(&self) -> Result<String, String> {
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (960, 640)).into_drawing_area();
            root.fill(&WHITE).map_err(|e| e.to_string())?;
            let ((x0, x1), (y0, y1)) = self.bounds();
            match (self.log_x, self.log_y) {
                (false, false) => self.draw(&root, x0..x1, y0..y1),
                (true, false) => self.draw(&root, (x0..x1).log_scale(), y0..y1),
                (false, true) => self.draw(&root, x0..x1, (y0..y1).log_scale()),
                (true, true) => self.draw(&root, (x0..x1).log_scale(), (y0..y1).log_scale()),
            }?;
            root.present().map_err(|e| e.to_string())?;
        }
        Ok(svg)
    }

    fn draw<X, Y>(&self, root: &DrawingArea<SVGBackend, Shift>, x: X, y: Y) -> Result<(), String>
    where
        X: AsRangedCoord<Value = f64>,
        Y: AsRangedCoord<Value = f64>,
        X::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
        Y::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let err = |e: &dyn std::fmt::Display| e.to_string();
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, ("sans-serif", 22))
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(85)
            .build_cartesian_2d(x, y)
            .map_err(|e| err(&e))?;
        let date = |x: &f64| crate::tor::date_time(x.max(0.0) as u64)[..10].to_string();
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .label_style(("sans-serif", 14))
            .light_line_style(TRANSPARENT)
            .x_labels(8)
            .axis_desc_style(("sans-serif", 16));
        if self.x_dates {
            mesh.x_label_formatter(&date);
        }
        mesh.draw().map_err(|e| err(&e))?;
        for (i, s) in self.series.iter().enumerate() {
            let c = colour(i);
            let curve: Vec<(f64, f64)> = s
                .curve
                .iter()
                .copied()
                .filter(|&(x, y)| self.visible(x, self.log_x) && self.visible(y, self.log_y))
                .collect();
            let legend_colour = c;
            let series = chart
                .draw_series(LineSeries::new(curve, c.stroke_width(2)))
                .map_err(|e| err(&e))?;
            series.label(&s.label).legend(move |(x, y)| {
                Rectangle::new([(x, y - 4), (x + 18, y + 4)], legend_colour.filled())
            });
            let points: Vec<_> = s
                .points
                .iter()
                .copied()
                .filter(|&(x, y, _, _)| self.visible(x, self.log_x) && self.visible(y, self.log_y))
                .collect();
            let floor = if self.log_y {
                f64::MIN_POSITIVE
            } else {
                f64::NEG_INFINITY
            };
            // Error bars from plain lines (plotters' ErrorBar adds a circle of its own), with
            // caps drawn in pixels so they look the same on any axis.
            let style = c.stroke_width(1);
            let bars: Vec<(f64, f64, f64)> = points
                .iter()
                .map(|&(x, y, lo, hi)| (x, lo.max(floor).min(y), hi.max(y)))
                .collect();
            chart
                .draw_series(
                    bars.iter()
                        .map(|&(x, lo, hi)| PathElement::new(vec![(x, lo), (x, hi)], style)),
                )
                .map_err(|e| err(&e))?;
            for end in [0, 1] {
                chart
                    .draw_series(bars.iter().map(|&(x, lo, hi)| {
                        EmptyElement::at((x, if end == 0 { lo } else { hi }))
                            + PathElement::new(vec![(-5, 0), (5, 0)], style)
                    }))
                    .map_err(|e| err(&e))?;
            }
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|&(x, y, _, _)| Circle::new((x, y), 4, c.filled())),
                )
                .map_err(|e| err(&e))?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .label_font(("sans-serif", 14))
            .position(SeriesLabelPosition::LowerRight)
            .draw()
            .map_err(|e| err(&e))?;
        Ok(())
    }
}
