//! What `check` accepts, `run` can run: values that read well but would
//! fail only once a run has made its namespaces, reported by validation
//! with their place instead. A name too long for the files and the control
//! socket it becomes, a NUL byte in a command or an environment value (a
//! process's arguments are C strings), a command whose program renders
//! empty, and a nemesis whose drawn schedule, written out as steps, would
//! pass the limits of a suite file (`explore` writes it, `run` replays it).
//! The limits themselves are in [`super::limits`].

use std::collections::BTreeMap;

use super::checker::Checker;
use super::limits::{MAX_FILE_BYTES, MAX_MAPPINGS, MAX_NAME_BYTES, MAX_STEPS, MAX_VALUES};
use super::locate::Path;
use super::plan::{Action, Nemesis, NodePlan, Piece, Program, Step, Template, Variant};

impl Checker<'_> {
    /// A suite, variant or node name (`what`) longer than
    /// [`MAX_NAME_BYTES`], at the key of `path` or its value.
    pub fn name_length(&mut self, what: &str, name: &str, path: &Path, on_key: bool) {
        if name.len() <= MAX_NAME_BYTES {
            return;
        }
        let message = format!("the {what} name `{name}` is {} bytes long, more than {MAX_NAME_BYTES}", name.len());
        let help = Some(format!(
            "{what} names become file names and control socket paths; give it a name of at most {MAX_NAME_BYTES} bytes"
        ));
        match on_key {
            true => self.at_key(path, message, help),
            false => self.at(path, message, help),
        }
    }

    /// A NUL byte, or more than the kernel takes, in each text of a
    /// command's `argv` at `path`.
    pub fn argv_text(&mut self, argv: &[String], path: &Path) {
        for (i, text) in argv.iter().enumerate() {
            self.no_nul(text, &path.index(i), "a command's argument");
            self.arg_length(text, 0, &path.index(i), "a command's argument");
        }
    }

    /// A text (`what`) that becomes one C string of a program's arguments
    /// or environment, with `extra` bytes before it (an environment
    /// variable's `KEY=`), longer than the kernel takes however its
    /// templates render.
    pub fn arg_length(&mut self, text: &str, extra: usize, path: &Path, what: &str) {
        let least = extra + literal_bytes(text);
        if least < MAX_ARG_BYTES {
            return;
        }
        let help = Some(format!(
            "Linux passes a program at most {} bytes in one argument or one KEY=VALUE of its environment              (MAX_ARG_STRLEN); pass the path of a file that holds it instead",
            MAX_ARG_BYTES - 1
        ));
        self.at(path, format!("{what} is {least} bytes long, too long to pass to a program"), help);
    }

    /// A NUL byte in `text`, which becomes `what` (a C string).
    pub fn no_nul(&mut self, text: &str, path: &Path, what: &str) {
        if text.contains('\0') {
            let help = Some(format!("{what} is passed to the program as a C string, which ends at a NUL"));
            self.at(path, "a NUL byte (`\\0`) cannot be part of it", help);
        }
    }

    /// The program of `argv` (at `path`), in each of `variants`: neither
    /// empty nor blank once rendered. `{peers}` may render empty (a node
    /// without links); a `{variant.KEY}` a variant lacks is reported
    /// elsewhere.
    pub fn program(&mut self, argv: &[Template], variants: &[&Variant], path: &Path) {
        let Some(program) = argv.first() else { return };
        let rendered = |v: &Variant| -> Option<String> {
            let mut out = String::new();
            for piece in &program.0 {
                match piece {
                    Piece::Text(t) => out.push_str(t),
                    Piece::Variant(key) => out.push_str(v.values.get(key)?),
                    Piece::Peers => {}
                    _ => return None,
                }
            }
            Some(out)
        };
        let uses = |f: fn(&Piece) -> bool| program.0.iter().any(f);
        let blank = variants.iter().find_map(|v| Some((v, rendered(v).filter(|r| r.trim().is_empty())?)));
        let Some((variant, text)) = blank else { return };
        let message = if uses(|p| matches!(p, Piece::Variant(_))) {
            format!("the program renders empty in variant `{}`", variant.name)
        } else if uses(|p| matches!(p, Piece::Peers)) {
            "the program renders empty for a node without links".to_string()
        } else if text.is_empty() {
            "the program is empty".to_string()
        } else {
            "the program is only whitespace".to_string()
        };
        let help = Some("the first element of a command is the program to run: a name on $PATH, or a path".into());
        self.at(&path.index(0), message, help);
    }
}

/// The bytes the kernel takes as one argument, or one `KEY=VALUE` of the
/// environment, of a program it starts, the terminating NUL included:
/// Linux's `MAX_ARG_STRLEN`, 32 pages of 4 KiB.
pub const MAX_ARG_BYTES: usize = 32 * 4096;

/// The bytes of `text` outside its `{...}` templates: at least what any
/// rendering of it holds.
fn literal_bytes(text: &str) -> usize {
    let mut depth = 0usize;
    let mut literal = 0;
    for byte in text.bytes() {
        match byte {
            b'{' => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            _ if depth == 0 => literal += 1,
            _ => {}
        }
    }
    literal
}

/// The most a nemesis' fault adds to its written-out suite (nemesis/render.rs
/// writes it) beyond the names of its nodes: two `sleep` steps, its start and
/// its end, and a comment line. A network fault names every node once, in
/// its start; a process fault names its nodes (at most n / 2 + 1, for
/// `majority`) in its start and again in its end: at most n + 2 names in all.
const FAULT_VALUES: u64 = 24;
const FAULT_MAPPINGS: u64 = 6;
const FAULT_BYTES: u64 = 400;

/// What a nemesis adds besides its faults: the last `sleep` and `settle`.
const NEMESIS_STEPS: usize = 2;

/// The most faults `nemesis` can draw: each starts at least the gap's
/// minimum after the one before, within its `time`.
pub fn most_faults(nemesis: &Nemesis) -> u64 {
    let gap = nemesis.gap.0.as_millis().max(1);
    u64::try_from(nemesis.time.as_millis() / gap).unwrap_or(u64::MAX)
}

impl Checker<'_> {
    /// The suite's nemesis, if any, can draw no more faults than its
    /// written-out schedule holds within the limits of a suite file.
    pub fn nemesis_fits(&mut self, steps: &[Step], nodes: &[NodePlan], programs: &BTreeMap<String, Program>) {
        let Some(nemesis) = steps.iter().find_map(|s| match &s.action {
            Action::Nemesis(n) => Some(n),
            _ => None,
        }) else {
            return;
        };
        if nemesis.gap.0.is_zero() {
            return; // Reported: the gap is at least 1ms.
        }
        // A name is written plain, or quoted, with `, ` after it.
        let longest = nodes.iter().map(|n| n.name.len() as u64 + 4).max().unwrap_or(0);
        let names: u64 = nodes.iter().map(|n| n.name.len() as u64 + 4).sum::<u64>() + 2 * longest;
        let point = programs.values().flat_map(|p| p.points.iter().flatten()).map(String::len).max().unwrap_or(0);
        let (size, bytes) = self.loc.size();
        let per_values = nodes.len() as u64 + 2 + FAULT_VALUES;
        let per_bytes = names + 2 * point as u64 + FAULT_BYTES;
        let room = [
            (MAX_STEPS.saturating_sub(steps.len() + NEMESIS_STEPS) / 4) as u64,
            MAX_VALUES.saturating_sub(size.values) / per_values,
            MAX_MAPPINGS.saturating_sub(size.mappings) / FAULT_MAPPINGS,
            MAX_FILE_BYTES.saturating_sub(bytes.max(size.text as usize) as u64) / per_bytes,
        ];
        let fit = room.into_iter().min().unwrap_or(0);
        let most = most_faults(nemesis);
        if most <= fit {
            return;
        }
        let at = Path::root().key("steps").index(nemesis.index).key("nemesis").key("gap");
        let message = format!(
            "in {:?} with a gap of {:?} or more, the nemesis can draw {most} faults; written out as steps, at most {fit} fit in a suite file",
            nemesis.time, nemesis.gap.0
        );
        let least = nemesis.time.as_millis().div_ceil(u128::from(fit.max(1)));
        let help = Some(format!("make the gap at least {least}ms, or `time` shorter"));
        self.at(&at, message, help);
    }
}
