//! How busy the machine was: the load average at the start and the end of
//! the run, and its CPUs. The bench shares its cores with whatever else
//! runs, so a table is read together with these.

use std::fmt;

/// `/proc/loadavg`'s first three fields: runnable and uninterruptible
/// tasks averaged over 1, 5 and 15 minutes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadAverage {
    /// Over the last minute.
    pub one: f64,
    /// Over the last 5 minutes.
    pub five: f64,
    /// Over the last 15 minutes.
    pub fifteen: f64,
}

impl LoadAverage {
    /// The load average now; `None` if `/proc/loadavg` cannot be read.
    pub fn now() -> Option<LoadAverage> {
        LoadAverage::parse(&std::fs::read_to_string("/proc/loadavg").ok()?)
    }

    /// Reads `"0.52 0.61 0.70 1/345 6789"`.
    pub fn parse(text: &str) -> Option<LoadAverage> {
        let mut fields = text.split_whitespace().map(str::parse::<f64>);
        Some(LoadAverage { one: fields.next()?.ok()?, five: fields.next()?.ok()?, fifteen: fields.next()?.ok()? })
    }
}

impl fmt::Display for LoadAverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2} {:.2} {:.2}", self.one, self.five, self.fifteen)
    }
}

/// The machine around one run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Machine {
    /// CPUs this process may run on.
    pub cpus: usize,
    /// Before the first measurement.
    pub load_start: Option<LoadAverage>,
    /// After the last.
    pub load_end: Option<LoadAverage>,
}

impl Machine {
    /// The CPUs and the load average now, as the start of a run.
    pub fn at_start() -> Machine {
        let cpus = std::thread::available_parallelism().map_or(1, usize::from);
        Machine { cpus, load_start: LoadAverage::now(), load_end: None }
    }

    /// Records the load average at the end of the run.
    pub fn finish(&mut self) {
        self.load_end = LoadAverage::now();
    }

    /// Lines to print under the table.
    pub fn render(&self) -> String {
        let load = |l: Option<LoadAverage>| l.map_or_else(|| "unreadable".to_string(), |l| l.to_string());
        format!(
            "Load average (1, 5, 15 min): {} at the start, {} at the end; {} CPUs.\n",
            load(self.load_start),
            load(self.load_end),
            self.cpus
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_load_average_is_read_and_rendered() {
        let load = LoadAverage::parse("0.52 1.5 12.25 3/456 7890\n").unwrap();
        assert_eq!(load, LoadAverage { one: 0.52, five: 1.5, fifteen: 12.25 });
        assert_eq!(LoadAverage::parse("0.5 x"), None);
        let machine = Machine { cpus: 2, load_start: Some(load), load_end: None };
        assert_eq!(
            machine.render(),
            "Load average (1, 5, 15 min): 0.52 1.50 12.25 at the start, unreadable at the end; 2 CPUs.\n"
        );
    }
}
