//! What one run produced: the table, the packet-size sweep for the plot,
//! and the machine's load around the run.

use super::machine::Machine;
use super::plot::Series;
use super::table::Table;

/// One run's results.
#[derive(Debug, Clone)]
pub struct Report {
    /// Every row.
    pub table: Table,
    /// The sweep's medians, one series per link.
    pub sweep: Vec<Series>,
    /// CPUs and load average at the start and the end.
    pub machine: Machine,
}

impl Report {
    /// The markdown table with the machine's load in a line under it.
    pub fn render(&self) -> String {
        format!("{}\n{}", self.table.render(), self.machine.render())
    }
}
