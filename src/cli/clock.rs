//! Wall and CPU time of the fit alone (reading the file and printing excluded), so that `fit`'s
//! JSON can be timed the way `benches/peers/` times its peers: CPU seconds of every thread of
//! the process, and wall seconds.

use std::time::Instant;

/// A started clock.
pub struct FitClock {
    wall: Instant,
    cpu: Option<f64>,
}

/// What a [`FitClock`] measured.
#[derive(Debug, Clone, Copy)]
pub struct FitTime {
    /// Wall seconds.
    pub wall: f64,
    /// CPU seconds summed over the process's threads (user + system); `None` where the platform
    /// has no per-process CPU clock.
    pub cpu: Option<f64>,
}

impl FitClock {
    /// Start measuring now.
    pub fn start() -> Self {
        Self {
            cpu: process_cpu_seconds(),
            wall: Instant::now(),
        }
    }

    /// Time since [`FitClock::start`].
    pub fn stop(&self) -> FitTime {
        let wall = self.wall.elapsed().as_secs_f64();
        let cpu = match (self.cpu, process_cpu_seconds()) {
            (Some(a), Some(b)) => Some((b - a).max(0.0)),
            _ => None,
        };
        FitTime { wall, cpu }
    }
}

impl FitTime {
    /// Adds `fit_seconds` and `cpu_seconds` to a command's JSON object.
    pub fn record(&self, v: &mut serde_json::Value) {
        v["fit_seconds"] = serde_json::json!(self.wall);
        if let Some(cpu) = self.cpu {
            v["cpu_seconds"] = serde_json::json!(cpu);
        }
    }
}

/// User + system CPU seconds of the whole process (all threads, rayon's included).
#[cfg(unix)]
fn process_cpu_seconds() -> Option<f64> {
    // SAFETY: getrusage writes into the zeroed struct it is given and reads nothing else.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    if rc != 0 {
        return None;
    }
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    Some(seconds(usage.ru_utime) + seconds(usage.ru_stime))
}

#[cfg(not(unix))]
fn process_cpu_seconds() -> Option<f64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A busy loop's CPU time is counted (other tests' threads may add to it, so no upper
    /// bound), and `record` writes both fields.
    #[test]
    fn cpu_seconds_of_a_busy_loop_are_counted() {
        let clock = FitClock::start();
        let mut x = 0u64;
        while clock.wall.elapsed().as_secs_f64() < 0.05 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
        let t = clock.stop();
        let cpu = t.cpu.expect("unix has getrusage");
        assert!(cpu > 0.0, "cpu {cpu}");
        let mut v = serde_json::json!({});
        t.record(&mut v);
        assert_eq!(v["fit_seconds"], serde_json::json!(t.wall));
        assert_eq!(v["cpu_seconds"], serde_json::json!(cpu));
    }
}
