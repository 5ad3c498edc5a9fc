//! The process-global client behind [`breakpoint!`](crate::breakpoint!):
//! started from `$QUIESCE_CONTROL` at [`init`] or at the first armed-check,
//! and a one-byte gate that makes an idle breakpoint one atomic load.

use std::fmt::Display;
use std::path::Path;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use super::client::{Client, Decision, Held, GATE_QUIET};

/// Not started yet: the next call starts the client.
const GATE_UNSTARTED: u8 = 0;

/// `GATE_QUIET` once started with nothing armed (or no harness), else
/// `GATE_UNSTARTED` or `GATE_ARMED`. Relaxed is enough: it is a hint,
/// and the table under its mutex decides.
static GATE: AtomicU8 = AtomicU8::new(GATE_UNSTARTED);

static GLOBAL: OnceLock<Option<Client>> = OnceLock::new();

/// How often, and how far apart, the start tries to reach the socket.
const CONNECT_TRIES: u32 = 10;
const CONNECT_PAUSE: Duration = Duration::from_millis(100);

/// Connects to the harness now if `$QUIESCE_CONTROL` is set, so that
/// `hello` is sent at startup rather than at the first breakpoint. Call it
/// early in `main`; calling it again does nothing. Without
/// `$QUIESCE_CONTROL` nothing is started.
///
/// If the socket cannot be reached within about a second, breakpoints stay
/// off for this process and one line says so on stderr.
pub fn init() {
    let _ = global();
}

/// Whether the harness is connected to this process's global client.
pub fn connected() -> bool {
    global().is_some_and(Client::connected)
}

/// A call at `point` with `labels`, on the global client. See
/// [`Client::hit`]; prefer the [`breakpoint!`](crate::breakpoint!) macro,
/// which does not evaluate labels on the fast path.
pub fn hit(point: &str, labels: &[(&str, &str)]) -> Decision {
    if !active() {
        return Decision::Proceed;
    }
    global().map_or(Decision::Proceed, |c| c.hit(point, labels))
}

/// The fast path of the macros: one relaxed atomic load.
#[doc(hidden)]
#[inline(always)]
pub fn active() -> bool {
    GATE.load(Ordering::Relaxed) != GATE_QUIET
}

#[doc(hidden)]
pub fn hit_display(point: &str, labels: &[(&str, &dyn Display)]) -> Decision {
    global().map_or(Decision::Proceed, |c| c.hit_display(point, labels))
}

#[doc(hidden)]
pub fn hit_async(point: &str, labels: &[(&str, &dyn Display)]) -> Held {
    global().map_or(Held::ready(Decision::Proceed), |c| c.hit_async(point, labels))
}

fn global() -> Option<&'static Client> {
    GLOBAL.get_or_init(start).as_ref()
}

fn start() -> Option<Client> {
    let client = std::env::var_os("QUIESCE_CONTROL").filter(|p| !p.is_empty()).and_then(|path| {
        let node = std::env::var("QUIESCE_NODE").unwrap_or_default();
        connect(Path::new(&path), &node)
    });
    // The reader thread may already have armed the gate; keep that.
    let _ = GATE.compare_exchange(GATE_UNSTARTED, GATE_QUIET, Ordering::Relaxed, Ordering::Relaxed);
    client
}

fn connect(path: &Path, node: &str) -> Option<Client> {
    let mut tries = 0;
    loop {
        match Client::connect_gated(path, node, Some(&GATE)) {
            Ok(client) => return Some(client),
            Err(e) if tries + 1 >= CONNECT_TRIES => {
                eprintln!(
                    "quiesce breakpoints: cannot connect to QUIESCE_CONTROL={}: {e}; breakpoints are off",
                    path.display()
                );
                return None;
            }
            Err(_) => {
                tries += 1;
                std::thread::sleep(CONNECT_PAUSE);
            }
        }
    }
}

/// A breakpoint: `breakpoint!(POINT, label = value, ...)` returns a
/// [`Decision`](crate::breakpoint::Decision).
///
/// Labels are `name = value` with any `Display` value; they are evaluated
/// and formatted only when something is armed in this process. Unarmed, or
/// without `$QUIESCE_CONTROL`, the whole call is one atomic load. An armed
/// `pause` blocks the calling thread until the harness releases it (use
/// [`breakpoint_async!`](crate::breakpoint_async!) in async code); an armed
/// `skip` returns `Skip`: drop the message the call was about.
///
/// ```
/// use quiesce_faults::breakpoint::Decision;
///
/// let name = String::from("host1");
/// if quiesce_faults::breakpoint!("gossip.send", channel = "topology", peer = &name) == Decision::Skip {
///     return; // drop this gossip
/// }
/// ```
#[macro_export]
macro_rules! breakpoint {
    ($point:expr $(, $key:ident = $value:expr)* $(,)?) => {
        if $crate::breakpoint::active() {
            $crate::breakpoint::hit_display(
                $point,
                &[$((::core::stringify!($key), &$value as &dyn ::core::fmt::Display)),*],
            )
        } else {
            $crate::breakpoint::Decision::Proceed
        }
    };
}

/// [`breakpoint!`](crate::breakpoint!) for async code: evaluates to a
/// future of the [`Decision`](crate::breakpoint::Decision); a paused
/// caller waits in `.await` without blocking its thread.
///
/// ```
/// # async fn send(peer: &str) {
/// use quiesce_faults::breakpoint::Decision;
///
/// if quiesce_faults::breakpoint_async!("gossip.send", channel = "topology", peer = peer).await == Decision::Skip {
///     return;
/// }
/// # }
/// ```
#[macro_export]
macro_rules! breakpoint_async {
    ($point:expr $(, $key:ident = $value:expr)* $(,)?) => {
        if $crate::breakpoint::active() {
            $crate::breakpoint::hit_async(
                $point,
                &[$((::core::stringify!($key), &$value as &dyn ::core::fmt::Display)),*],
            )
        } else {
            $crate::breakpoint::Held::ready($crate::breakpoint::Decision::Proceed)
        }
    };
}
