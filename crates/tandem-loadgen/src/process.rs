//! Memory and CPU of a process, read from Linux's `/proc`: the server's (`--server-pid`) and the
//! generator's own, so a report shows what the load cost and whether the generator kept up.

use std::io;
use std::time::Duration;

use crate::report::ProcessUsage;

/// Clock ticks per second in `/proc/PID/stat`: `USER_HZ`, 100 on every Linux architecture's
/// user-space ABI (reading `sysconf(_SC_CLK_TCK)` would need `libc` and `unsafe`).
const TICKS_PER_SECOND: u64 = 100;

/// One reading of a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessSample {
    /// Resident set size (`VmRSS`), in bytes.
    pub rss_bytes: u64,
    /// User plus system CPU time since the process started.
    pub cpu: Duration,
}

/// Reads process `pid` (`None`: the generator itself).
pub fn sample(pid: Option<u32>) -> io::Result<ProcessSample> {
    let dir = pid.map_or_else(|| "/proc/self".to_owned(), |pid| format!("/proc/{pid}"));
    let status = std::fs::read_to_string(format!("{dir}/status"))?;
    let stat = std::fs::read_to_string(format!("{dir}/stat"))?;
    let malformed = |what| io::Error::new(io::ErrorKind::InvalidData, format!("{dir}: no {what}"));
    Ok(ProcessSample {
        rss_bytes: vm_rss_bytes(&status).ok_or_else(|| malformed("VmRSS"))?,
        cpu: cpu_time(&stat).ok_or_else(|| malformed("CPU times"))?,
    })
}

/// Fails early when a server process given with `--server-pid` cannot be read.
pub fn check_pids(pids: &[u32]) -> anyhow::Result<()> {
    for &pid in pids {
        anyhow::Context::with_context(sample(Some(pid)), || {
            format!("reading /proc/{pid} (--server-pid)")
        })?;
    }
    Ok(())
}

/// `VmRSS` from the text of `/proc/PID/status` (given in kB).
pub fn vm_rss_bytes(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kilobytes: u64 = line
        .trim_start_matches("VmRSS:")
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kilobytes * 1024)
}

/// `utime + stime` from the text of `/proc/PID/stat`. The command name (field 2) may hold
/// spaces and parentheses, so fields are counted after its last `)`.
pub fn cpu_time(stat: &str) -> Option<Duration> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace();
    // After the name come state (field 3) ... utime (14) and stime (15).
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    let ticks = utime + stime;
    Some(Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND))
}

/// A process followed over the measured window: first reading, highest RSS, last reading.
#[derive(Debug, Clone)]
pub struct Watch {
    pid: Option<u32>,
    start: ProcessSample,
    last: ProcessSample,
    max_rss_bytes: u64,
}

impl Watch {
    /// Takes the first reading of `pid` (`None`: the generator itself).
    pub fn begin(pid: Option<u32>) -> io::Result<Self> {
        let start = sample(pid)?;
        Ok(Self {
            pid,
            start,
            last: start,
            max_rss_bytes: start.rss_bytes,
        })
    }

    /// Takes another reading (a process gone meanwhile keeps its last one).
    pub fn observe(&mut self) {
        if let Ok(now) = sample(self.pid) {
            self.last = now;
            self.max_rss_bytes = self.max_rss_bytes.max(now.rss_bytes);
        }
    }

    /// Takes the last reading; `elapsed` is the wall-clock time since the first.
    pub fn end(mut self, elapsed: Duration) -> ProcessUsage {
        self.observe();
        let cpu_seconds = self.last.cpu.saturating_sub(self.start.cpu).as_secs_f64();
        ProcessUsage {
            pid: self.pid,
            rss_start_bytes: self.start.rss_bytes,
            rss_end_bytes: self.last.rss_bytes,
            rss_max_bytes: self.max_rss_bytes,
            cpu_seconds,
            cpu_cores: cpu_seconds / elapsed.as_secs_f64().max(f64::EPSILON),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_is_read_in_bytes() {
        let status = "Name:\ttandem\nVmPeak:\t  900000 kB\nVmRSS:\t   52340 kB\nThreads:\t5\n";
        assert_eq!(vm_rss_bytes(status), Some(52_340 * 1024));
        assert_eq!(vm_rss_bytes("Name:\tkthreadd\n"), None);
    }

    #[test]
    fn cpu_time_adds_user_and_system_ticks() {
        let stat =
            "1234 (tandem (x) y) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 130 0 0 20 0 5 0 100 0";
        assert_eq!(cpu_time(stat), Some(Duration::from_millis(3800)));
        assert_eq!(cpu_time("garbage"), None);
    }

    #[test]
    fn the_generator_can_watch_itself() {
        let own = sample(None).unwrap();
        assert!(own.rss_bytes > 0);
        let mut watch = Watch::begin(None).unwrap();
        watch.observe();
        let usage = watch.end(Duration::from_secs(1));
        assert_eq!(usage.pid, None);
        assert!(usage.rss_max_bytes >= usage.rss_start_bytes.max(usage.rss_end_bytes));
    }
}
