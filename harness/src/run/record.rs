//! The one recorder of a run: every event is written to `events.jsonl`
//! (flushed, so a killed run keeps its record), folded into the run's own
//! report, and handed to the caller's reporter, once, in that order.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::events::{Line, RunEvent};
use crate::report::fold::RunFold;
use crate::report::Reporter;

/// Records a run's events.
pub(crate) struct Recorder<'r> {
    out: BufWriter<File>,
    folder: PathBuf,
    start: Instant,
    fold: RunFold,
    reporter: &'r mut dyn Reporter,
}

impl<'r> Recorder<'r> {
    /// Creates `events.jsonl` in `folder`.
    pub(crate) fn create(folder: &Path, reporter: &'r mut dyn Reporter) -> io::Result<Recorder<'r>> {
        let out = BufWriter::new(File::create(folder.join("events.jsonl"))?);
        let (start, fold) = (Instant::now(), RunFold::default());
        Ok(Recorder { out, folder: folder.to_path_buf(), start, fold, reporter })
    }

    /// Seconds since the recorder was created.
    pub(crate) fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// Records an event.
    pub(crate) fn record(&mut self, event: RunEvent) {
        let line = Line { t: self.now(), event };
        match serde_json::to_string(&line) {
            Ok(text) => {
                if let Err(e) = writeln!(self.out, "{text}").and_then(|_| self.out.flush()) {
                    tracing::warn!(error = %e, "writing events.jsonl failed");
                }
            }
            Err(e) => tracing::warn!(error = %e, "an event could not be serialized"),
        }
        self.fold.event(&self.folder, line.t, &line.event);
        self.reporter.event(&self.folder, line.t, &line.event);
    }

    /// The run's report so far, drawn from the events recorded.
    pub(crate) fn fold(&self) -> &RunFold {
        &self.fold
    }
}
