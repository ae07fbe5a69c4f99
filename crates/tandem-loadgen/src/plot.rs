//! The sweep as an SVG chart, written by hand: latency percentiles (log scale, left axis) and
//! server CPU (linear, right axis) against the offered rate (log scale, each run's rate labelled).

use std::fmt::Write as _;

use crate::sweep::SweepPoint;

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 440.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 690.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 370.0;

/// One curve of the chart.
struct Series {
    label: &'static str,
    colour: &'static str,
    dashed: bool,
    value: fn(&SweepPoint) -> Option<f64>,
}

const LATENCY_SERIES: [Series; 3] = [
    Series {
        label: "bot reply p50",
        colour: "#1f77b4",
        dashed: false,
        value: |p| p.bot_reply_p50_ms,
    },
    Series {
        label: "bot reply p99",
        colour: "#d62728",
        dashed: false,
        value: |p| p.bot_reply_p99_ms,
    },
    Series {
        label: "handover → agent notified p99",
        colour: "#9467bd",
        dashed: false,
        value: |p| p.agent_notified_p99_ms,
    },
];

const CPU_SERIES: Series = Series {
    label: "server CPU (cores, right axis)",
    colour: "#2ca02c",
    dashed: true,
    value: |p| Some(p.server_cpu_cores),
};

/// A logarithmic axis over whole decades covering `low..=high` (both positive).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogAxis {
    pub low_decade: i32,
    pub high_decade: i32,
}

impl LogAxis {
    /// The decades around the positive values; `None` when there are none.
    pub fn covering(values: impl IntoIterator<Item = f64>) -> Option<Self> {
        let positive: Vec<f64> = values.into_iter().filter(|v| *v > 0.0).collect();
        let low = positive.iter().copied().reduce(f64::min)?;
        let high = positive.iter().copied().reduce(f64::max)?;
        let low_decade = low.log10().floor() as i32;
        let high_decade = (high.log10().ceil() as i32).max(low_decade + 1);
        Some(Self {
            low_decade,
            high_decade,
        })
    }

    /// Where `value` falls between 0.0 (the lowest decade) and 1.0 (the highest).
    pub fn fraction(&self, value: f64) -> f64 {
        let span = f64::from(self.high_decade - self.low_decade);
        (value.log10() - f64::from(self.low_decade)) / span
    }

    fn ticks(&self) -> impl Iterator<Item = f64> {
        (self.low_decade..=self.high_decade).map(|decade| 10f64.powi(decade))
    }
}

fn x_of(axis: &LogAxis, rate: f64) -> f64 {
    LEFT + axis.fraction(rate) * (RIGHT - LEFT)
}

fn y_of_log(axis: &LogAxis, ms: f64) -> f64 {
    BOTTOM - axis.fraction(ms) * (BOTTOM - TOP)
}

fn y_of_cpu(top_cores: f64, cores: f64) -> f64 {
    BOTTOM - cores / top_cores * (BOTTOM - TOP)
}

/// A number as an axis label: `250`, `1k`, `0.5`.
fn label(value: f64) -> String {
    if value >= 1000.0 {
        format!("{}k", value / 1000.0)
    } else {
        format!("{value}")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn polyline(out: &mut String, series: &Series, points: &[(f64, f64)]) {
    let coordinates: Vec<String> = points
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect();
    let dash = if series.dashed {
        r#" stroke-dasharray="6 4""#
    } else {
        ""
    };
    let _ = writeln!(
        out,
        r#"<polyline fill="none" stroke="{}" stroke-width="2"{dash} points="{}"/>"#,
        series.colour,
        coordinates.join(" ")
    );
    for (x, y) in points {
        let _ = writeln!(
            out,
            r#"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="{}"/>"#,
            series.colour
        );
    }
}

/// The chart of a sweep titled `title`, as an SVG document.
pub fn sweep_svg(title: &str, points: &[SweepPoint]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        out,
        r#"<text x="{}" y="24" text-anchor="middle" font-size="15">{}</text>"#,
        WIDTH / 2.0,
        escape(title)
    );
    let rates = LogAxis::covering(points.iter().map(|p| p.offered_per_second));
    let latencies = LogAxis::covering(
        points
            .iter()
            .flat_map(|p| LATENCY_SERIES.iter().filter_map(|s| (s.value)(p))),
    );
    let (Some(rates), Some(latencies)) = (rates, latencies) else {
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{}" text-anchor="middle">no runs with latencies to plot</text></svg>"#,
            WIDTH / 2.0,
            HEIGHT / 2.0
        );
        return out;
    };
    let top_cores = points
        .iter()
        .map(|p| p.server_cpu_cores)
        .fold(1.0, f64::max)
        .ceil();
    let _ = writeln!(
        out,
        r##"<rect x="{LEFT}" y="{TOP}" width="{}" height="{}" fill="none" stroke="#444"/>"##,
        RIGHT - LEFT,
        BOTTOM - TOP
    );
    for tick in latencies.ticks() {
        let y = y_of_log(&latencies, tick);
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{RIGHT}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">{} ms</text>"##,
            LEFT - 6.0,
            y + 4.0,
            label(tick)
        );
    }
    for tick in rates.ticks() {
        let x = x_of(&rates, tick);
        let _ = writeln!(
            out,
            r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{BOTTOM}" stroke="#ddd"/>"##
        );
    }
    for point in points {
        let x = x_of(&rates, point.offered_per_second);
        let _ = writeln!(
            out,
            r##"<line x1="{x:.1}" y1="{BOTTOM}" x2="{x:.1}" y2="{}" stroke="#444"/><text x="{x:.1}" y="{}" text-anchor="middle">{}</text>"##,
            BOTTOM + 4.0,
            BOTTOM + 16.0,
            label(point.offered_per_second)
        );
    }
    let steps = top_cores as u32;
    for step in 0..=steps {
        let cores = f64::from(step);
        let _ = writeln!(
            out,
            r#"<text x="{}" y="{:.1}">{cores}</text>"#,
            RIGHT + 6.0,
            y_of_cpu(top_cores, cores) + 4.0
        );
    }
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" text-anchor="middle">offered rate (customer messages per second, log scale)</text>"#,
        (LEFT + RIGHT) / 2.0,
        BOTTOM + 36.0
    );
    let _ = writeln!(
        out,
        r#"<text x="16" y="{}" text-anchor="middle" transform="rotate(-90 16 {})">latency (log scale)</text>"#,
        (TOP + BOTTOM) / 2.0,
        (TOP + BOTTOM) / 2.0
    );
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" text-anchor="middle" transform="rotate(90 {} {})">server CPU (cores)</text>"#,
        WIDTH - 14.0,
        (TOP + BOTTOM) / 2.0,
        WIDTH - 14.0,
        (TOP + BOTTOM) / 2.0
    );
    for series in &LATENCY_SERIES {
        let coordinates: Vec<(f64, f64)> = points
            .iter()
            .filter_map(|p| {
                let ms = (series.value)(p).filter(|ms| *ms > 0.0)?;
                Some((x_of(&rates, p.offered_per_second), y_of_log(&latencies, ms)))
            })
            .collect();
        polyline(&mut out, series, &coordinates);
    }
    let cpu: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|p| {
            let cores = (CPU_SERIES.value)(p)?;
            Some((
                x_of(&rates, p.offered_per_second),
                y_of_cpu(top_cores, cores),
            ))
        })
        .collect();
    polyline(&mut out, &CPU_SERIES, &cpu);
    legend(&mut out);
    out.push_str("</svg>\n");
    out
}

fn legend(out: &mut String) {
    let all = LATENCY_SERIES.iter().chain(std::iter::once(&CPU_SERIES));
    for (row, series) in all.enumerate() {
        let y = BOTTOM + 56.0 + (row / 2) as f64 * 16.0;
        let x = LEFT + (row % 2) as f64 * 320.0;
        let dash = if series.dashed {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let _ = writeln!(
            out,
            r#"<line x1="{x}" y1="{y}" x2="{}" y2="{y}" stroke="{}" stroke-width="2"{dash}/><text x="{}" y="{}">{}</text>"#,
            x + 24.0,
            series.colour,
            x + 30.0,
            y + 4.0,
            escape(series.label)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::{point_of_json, samples::run_json};

    #[test]
    fn log_axes_cover_whole_decades() {
        let axis = LogAxis::covering([100.0, 250.0, 4000.0]).unwrap();
        assert_eq!(
            axis,
            LogAxis {
                low_decade: 2,
                high_decade: 4
            }
        );
        assert!((axis.fraction(1000.0) - 0.5).abs() < 1e-12);
        assert_eq!(axis.fraction(100.0), 0.0);
        let single = LogAxis::covering([10.0]).unwrap();
        assert_eq!(single.high_decade, 2, "one value still spans a decade");
        assert_eq!(LogAxis::covering([0.0, -1.0]), None);
    }

    #[test]
    fn the_chart_draws_each_series_through_every_run() {
        let points = vec![
            point_of_json("a", &run_json(100.0, 1000, 5.0, 20.0, 0)).unwrap(),
            point_of_json("b", &run_json(1000.0, 9000, 40.0, 800.0, 0)).unwrap(),
        ];
        let svg = sweep_svg("SQLite <one node>", &points);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("SQLite &lt;one node&gt;"));
        // p50, p99 and CPU have two points each; no run measured the handover.
        assert_eq!(svg.matches("<polyline").count(), 4);
        assert_eq!(svg.matches("<circle").count(), 6);
        assert!(
            svg.contains(">100</text>"),
            "the rate axis labels each run's rate"
        );
        assert!(svg.contains(">1k</text>"));
        assert!(
            svg.contains(">1k ms</text>"),
            "latency decades up to 800 ms"
        );
    }

    #[test]
    fn a_sweep_without_latencies_says_so() {
        assert!(sweep_svg("empty", &[]).contains("no runs with latencies"));
    }
}
