//! Rendering one photo so that it cannot take its batch-mates down with it.
//!
//! The decode and render run on a blocking thread (`spawn_blocking`): the work is CPU-bound,
//! and on its own thread the async side can watch the clock. Two things can go wrong there
//! that the codec does not report as an error:
//!
//! - **A panic** in the codec (a bug meeting hostile bytes). Tokio catches a panic on a
//!   blocking thread and hands it back as a `JoinError`, which the worker turns into "this
//!   photo failed". That only works if panics unwind: the workspace release profile says
//!   `panic = "abort"`, so this crate's `Cargo.toml` makes cargo-lambda build it with
//!   `CARGO_PROFILE_RELEASE_PANIC=unwind`, and `main.rs` refuses to start if it was built
//!   otherwise (docs/photos.md, "Bad input cannot fail a batch").
//! - **A render that takes too long** (a pathological input, or a codec bug that loops). After
//!   [`Rendering::budget`] the worker stops waiting, marks the photo failed and raises the
//!   render's stop flag; [`render::render_until`] checks it between stages, so the thread
//!   gives the CPU back at the next stage boundary. A codec stuck inside one call cannot be
//!   interrupted: its thread runs on until the call returns ([`Rendering::renders_running`]
//!   counts such threads and the worker logs the count).

use std::any::Any;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use crate::render::{self, Rejected, Rendition};

/// Longest the decode and render of one photo may take. The slowest photo measured (a 50 MP
/// JPEG) renders in 0.9 s on one development vCPU in an optimised build (docs/photos.md); a
/// 1024 MB Lambda has about 0.6 vCPU, so 15 s leaves roughly a tenfold margin. Unoptimised
/// builds (`make run`, tests) render tens of times slower, so they get five minutes.
pub const PHOTO_BUDGET: Duration = if cfg!(debug_assertions) {
    Duration::from_secs(300)
} else {
    Duration::from_secs(15)
};

/// Time kept back before the invocation's deadline for the writes that follow a render
/// (six rendition uploads, the finish, the cover) and for returning the batch response.
pub const DEADLINE_RESERVE: Duration = Duration::from_secs(5);

/// Turns upload bytes into renditions. The worker's seam: [`Codec`] in production; tests
/// inject renderers that panic or hang.
pub trait Renderer: Send + Sync {
    /// Renders `bytes`; may return [`Rejected::Stopped`] once `stop` is raised.
    fn render(&self, bytes: &[u8], stop: &AtomicBool) -> Result<Vec<Rendition>, Rejected>;
}

/// The real codec: [`render::render_until`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Codec;

impl Renderer for Codec {
    fn render(&self, bytes: &[u8], stop: &AtomicBool) -> Result<Vec<Rendition>, Rejected> {
        render::render_until(bytes, stop)
    }
}

/// How each photo is rendered: by what, within how long, and how much of an invocation's
/// time is kept back.
#[derive(Clone)]
pub struct Rendering {
    pub renderer: Arc<dyn Renderer>,
    /// Per-photo time limit for decode and render; a photo over it ends `failed`.
    pub budget: Duration,
    /// A photo is only started if its whole budget plus this reserve fits before the
    /// invocation's deadline; the rest of the batch is reported for redelivery.
    pub reserve: Duration,
    running: Arc<AtomicUsize>,
}

impl Default for Rendering {
    fn default() -> Self {
        Self::new(Arc::new(Codec), PHOTO_BUDGET, DEADLINE_RESERVE)
    }
}

impl std::fmt::Debug for Rendering {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rendering")
            .field("budget", &self.budget)
            .field("reserve", &self.reserve)
            .field("running", &self.renders_running())
            .finish_non_exhaustive()
    }
}

/// Why a render produced no renditions. Every variant is permanent: the photo ends `failed`
/// with the message as its reason.
#[derive(Debug, thiserror::Error)]
pub enum RenderFailure {
    /// The codec refused the bytes.
    #[error(transparent)]
    Rejected(#[from] Rejected),
    /// The codec panicked.
    #[error("the image could not be decoded (the decoder crashed on it)")]
    Crashed,
    /// The render went over its budget.
    #[error("processing the image took longer than {0:?}")]
    TimedOut(Duration),
}

/// The blocking task was cancelled before it finished (the runtime is shutting down): the
/// photo is not at fault, so the message is retried.
#[derive(Debug, thiserror::Error)]
#[error("the render task was cancelled")]
pub struct Interrupted(#[source] pub tokio::task::JoinError);

impl Rendering {
    pub fn new(renderer: Arc<dyn Renderer>, budget: Duration, reserve: Duration) -> Self {
        Self {
            renderer,
            budget,
            reserve,
            running: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Render threads started by this value that have not returned yet, including any the
    /// worker gave up on.
    pub fn renders_running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }

    /// Renders `bytes` on a blocking thread within [`Self::budget`], turning a panic or a
    /// timeout into a [`RenderFailure`].
    pub async fn run(
        &self,
        bytes: Vec<u8>,
    ) -> Result<Result<Vec<Rendition>, RenderFailure>, Interrupted> {
        let stop = Arc::new(AtomicBool::new(false));
        // Raised however this future ends, dropped (the batch hit its deadline) included.
        let _stop_on_drop = StopOnDrop(Arc::clone(&stop));
        let task = {
            let renderer = Arc::clone(&self.renderer);
            let stop = Arc::clone(&stop);
            let running = Running::start(&self.running);
            tokio::task::spawn_blocking(move || {
                let _running = running;
                renderer.render(&bytes, &stop)
            })
        };
        match tokio::time::timeout(self.budget, task).await {
            Ok(Ok(rendered)) => Ok(rendered.map_err(RenderFailure::from)),
            Ok(Err(e)) if e.is_panic() => {
                let panic = e.into_panic();
                tracing::error!(panic = panic_message(panic.as_ref()), "the codec panicked");
                Ok(Err(RenderFailure::Crashed))
            }
            Ok(Err(e)) => Err(Interrupted(e)),
            Err(_elapsed) => {
                stop.store(true, Ordering::SeqCst);
                tracing::error!(
                    budget_ms = self.budget.as_millis() as u64,
                    renders_running = self.renders_running(),
                    "render over its budget; asked it to stop"
                );
                Ok(Err(RenderFailure::TimedOut(self.budget)))
            }
        }
    }
}

/// Raises a render's stop flag when the future waiting for it goes away.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Counts a render thread for as long as it lives (dropped when its closure returns or
/// unwinds).
struct Running(Arc<AtomicUsize>);

impl Running {
    fn start(counter: &Arc<AtomicUsize>) -> Self {
        counter.fetch_add(1, Ordering::SeqCst);
        Self(Arc::clone(counter))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> &str {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s
    } else {
        "a panic without a message"
    }
}
