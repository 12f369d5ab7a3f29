//! What the figures were measured on, for the report's header.

use std::process::Command;

/// `2 cores (AMD EPYC), 23 GiB memory, rustc 1.95.0 (…)`.
pub fn describe() -> String {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    format!(
        "{cores} cores ({}), {} GiB memory, {}",
        cpu_model(),
        memory_gib(),
        rustc_version()
    )
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default()
}

/// `MemTotal` of /proc/meminfo, rounded down to whole GiB.
fn memory_gib() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines().next().map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<u64>()
                    .unwrap_or(0)
                    / 1024
                    / 1024
            })
        })
        .unwrap_or(0)
}

fn rustc_version() -> String {
    Command::new("rustc")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// CPU time, in the kernel's clock ticks: the whole machine's busy time and
/// that of some processes, read from /proc at two moments to tell who used
/// the cores in between.
#[derive(Clone, Debug, Default)]
pub struct CpuTicks {
    /// Every core's non-idle time (/proc/stat: all but idle and iowait).
    pub machine_busy: u64,
    /// Every core's time, idle included.
    pub machine_total: u64,
    /// utime + stime of each process asked for, in that order.
    pub processes: Vec<u64>,
}

impl CpuTicks {
    /// Now, for the processes `pids` (a process that has gone counts 0).
    pub fn now(pids: &[u32]) -> CpuTicks {
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let ticks: Vec<u64> = stat
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .skip(1)
            .filter_map(|t| t.parse().ok())
            .collect();
        // user nice system idle iowait irq softirq steal …
        let idle = ticks.get(3).copied().unwrap_or(0) + ticks.get(4).copied().unwrap_or(0);
        let total: u64 = ticks.iter().take(8).sum();
        CpuTicks {
            machine_busy: total - idle,
            machine_total: total,
            processes: pids.iter().map(|&pid| process_ticks(pid)).collect(),
        }
    }

    /// What was used between `earlier` and `self`.
    pub fn since(&self, earlier: &CpuTicks) -> CpuTicks {
        CpuTicks {
            machine_busy: self.machine_busy - earlier.machine_busy,
            machine_total: self.machine_total - earlier.machine_total,
            processes: self
                .processes
                .iter()
                .zip(&earlier.processes)
                .map(|(now, then)| now.saturating_sub(*then))
                .collect(),
        }
    }

    /// Cores busy on average, out of all of them.
    pub fn cores_busy(&self) -> f64 {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        cores as f64 * self.machine_busy as f64 / self.machine_total.max(1) as f64
    }

    /// The share of the machine's busy time that process `i` used.
    pub fn share(&self, i: usize) -> f64 {
        self.processes[i] as f64 / self.machine_busy.max(1) as f64
    }
}

/// utime + stime of a process (fields 14 and 15 of /proc/<pid>/stat, after
/// the command name, which may hold spaces, in parentheses).
fn process_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat_ticks(&stat)
}

fn stat_ticks(stat: &str) -> u64 {
    let Some((_, after_name)) = stat.rsplit_once(')') else {
        return 0;
    };
    // after the name: state(3) ppid(4) … utime(14) stime(15)
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |n: usize| {
        fields
            .get(n - 3)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(14) + field(15)
}

/// The processes whose parent is `parent` (nginx's workers, say).
pub fn children(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            ppid == Some(parent)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utime_and_stime_past_a_name_with_spaces() {
        let stat =
            "42 (tokio worker 1) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 4 0 100 0 0";
        assert_eq!(stat_ticks(stat), 300);
        assert_eq!(stat_ticks("garbage"), 0);
    }

    #[test]
    fn this_process_uses_some_cpu_and_the_machine_more() {
        let before = CpuTicks::now(&[std::process::id()]);
        let mut x = 0u64;
        for i in 0..50_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        let used = CpuTicks::now(&[std::process::id()]).since(&before);
        assert!(used.processes[0] > 0, "{used:?}");
        assert!(used.machine_busy > 0, "{used:?}");
    }
}
