//! What this process counts for Prometheus (requests by route and status,
//! their latency, the watcher's tick time, open event streams), and the text
//! exposition format (version 0.0.4) written by hand: a few counters and
//! histograms need no crate. Figures read from the database at scrape time
//! (patients waiting, clocks, wait promises, the outbox) are added by
//! `app::metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

/// Upper bounds (seconds) of the latency buckets.
pub const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Debug, Clone, Default)]
pub struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

impl Histogram {
    pub fn observe(&mut self, seconds: f64) {
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                self.counts[i] += 1;
            }
        }
        self.sum += seconds;
        self.count += 1;
    }
}

/// The process's own counters.
#[derive(Default)]
pub struct Metrics {
    /// (route template, method, status) → requests.
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// route template → latency.
    latency: Mutex<BTreeMap<String, Histogram>>,
    watcher_tick: Mutex<Histogram>,
    /// Open event streams (`/api/v1/events`).
    pub sse_clients: AtomicI64,
}

impl Metrics {
    /// One answered request. `route` is the router's template
    /// (`/api/v1/visits/{id}`) or `unmatched`, so labels stay few.
    pub fn request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let mut r = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        *r.entry((route.to_string(), method.to_string(), status))
            .or_default() += 1;
        drop(r);
        self.latency
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(route.to_string())
            .or_default()
            .observe(seconds);
    }

    pub fn watcher_tick(&self, seconds: f64) {
        self.watcher_tick
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .observe(seconds);
    }

    /// An open event stream, counted until it is dropped.
    pub fn sse_client(self: &std::sync::Arc<Self>) -> SseClient {
        self.sse_clients.fetch_add(1, Ordering::Relaxed);
        SseClient(self.clone())
    }

    /// This process's metrics in the text format.
    pub fn render(&self, out: &mut String) {
        header(
            out,
            "frontdesk_http_requests_total",
            "counter",
            "HTTP requests answered, by route template, method and status.",
        );
        for ((route, method, status), n) in self
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            sample(
                out,
                "frontdesk_http_requests_total",
                &[
                    ("route", route),
                    ("method", method),
                    ("status", &status.to_string()),
                ],
                *n as f64,
            );
        }
        header(
            out,
            "frontdesk_http_request_duration_seconds",
            "histogram",
            "Time to answer an HTTP request (to its headers), by route template.",
        );
        for (route, h) in self
            .latency
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            histogram(
                out,
                "frontdesk_http_request_duration_seconds",
                &[("route", route)],
                h,
            );
        }
        header(
            out,
            "frontdesk_watcher_tick_seconds",
            "histogram",
            "Time one tick of the clock watcher took (clocks, promises, complaints, purge).",
        );
        histogram(
            out,
            "frontdesk_watcher_tick_seconds",
            &[],
            &self.watcher_tick.lock().unwrap_or_else(|p| p.into_inner()),
        );
        header(
            out,
            "frontdesk_sse_clients",
            "gauge",
            "Open live event streams (boards and screens) on this server.",
        );
        sample(
            out,
            "frontdesk_sse_clients",
            &[],
            self.sse_clients.load(Ordering::Relaxed) as f64,
        );
    }
}

/// An open event stream; dropping it counts it closed.
pub struct SseClient(std::sync::Arc<Metrics>);

impl Drop for SseClient {
    fn drop(&mut self) {
        self.0.sse_clients.fetch_sub(1, Ordering::Relaxed);
    }
}

/// `# HELP` and `# TYPE` lines.
pub fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A label value escaped as the format wants (backslash, quote, newline).
fn label_value(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn labels(pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", label_value(v)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

fn number(v: f64) -> String {
    if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// One sample line.
pub fn sample(out: &mut String, name: &str, pairs: &[(&str, &str)], value: f64) {
    let _ = writeln!(out, "{name}{} {}", labels(pairs), number(value));
}

fn histogram(out: &mut String, name: &str, pairs: &[(&str, &str)], h: &Histogram) {
    for (i, bound) in BUCKETS.iter().enumerate() {
        let le = number(*bound);
        let mut with: Vec<(&str, &str)> = pairs.to_vec();
        with.push(("le", &le));
        sample(out, &format!("{name}_bucket"), &with, h.counts[i] as f64);
    }
    let mut with: Vec<(&str, &str)> = pairs.to_vec();
    with.push(("le", "+Inf"));
    sample(out, &format!("{name}_bucket"), &with, h.count as f64);
    sample(out, &format!("{name}_sum"), pairs, h.sum);
    sample(out, &format!("{name}_count"), pairs, h.count as f64);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_format_has_help_type_labels_and_cumulative_buckets() {
        let m = Metrics::default();
        m.request("/api/v1/visits/{id}", "GET", 200, 0.004);
        m.request("/api/v1/visits/{id}", "GET", 200, 0.3);
        m.request("unmatched", "GET", 404, 0.0001);
        let mut out = String::new();
        m.render(&mut out);
        assert!(out.contains("# TYPE frontdesk_http_requests_total counter"));
        assert!(out.contains(
            "frontdesk_http_requests_total{route=\"/api/v1/visits/{id}\",method=\"GET\",status=\"200\"} 2"
        ), "{out}");
        assert!(out.contains(
            "frontdesk_http_request_duration_seconds_bucket{route=\"/api/v1/visits/{id}\",le=\"0.005\"} 1"
        ), "{out}");
        assert!(out.contains(
            "frontdesk_http_request_duration_seconds_bucket{route=\"/api/v1/visits/{id}\",le=\"+Inf\"} 2"
        ), "{out}");
        assert!(out.contains("frontdesk_sse_clients 0"));
        let mut s = String::new();
        sample(&mut s, "x", &[("location", "a\"b\\c")], 1.5);
        assert_eq!(s, "x{location=\"a\\\"b\\\\c\"} 1.5\n");
    }
}
