//! Host-add requests validated one after the other, each accepted host joining the context
//! (sysinv adds a bulk of hosts this way: the second of two requests with one MAC is the
//! duplicate).

use serde_json::Value;

use crate::context::{Context, ContextError};
use crate::host::HostAddRequest;

use super::{Effect, Options, Outcome, Rejection, validate_host_add, validate_host_add_value};

/// A batch of host-adds against one context that grows with every accepted host.
///
/// ```
/// use edgeworker_core::{context::Context, validate::{Batch, Options}};
/// use serde_json::json;
///
/// let mut batch = Batch::new(Context::default(), Options::default());
/// let request = json!({"hostname": "edge-1", "personality": "edgeworker", "mgmt_mac": "08:00:27:aa:00:09"});
/// assert!(batch.add_value(&request)?.is_ok());
/// let again = batch.add_value(&request)?.unwrap_err();
/// assert_eq!(again.errors()[0].code().as_str(), "hostname.duplicate");
/// assert!(batch.context().host("edge-1").is_some());
/// # Ok::<(), edgeworker_core::context::ContextError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Batch {
    ctx: Context,
    options: Options,
}

impl Batch {
    /// A batch starting from `ctx`.
    #[must_use]
    pub fn new(ctx: Context, options: Options) -> Self {
        Self { ctx, options }
    }

    /// Validates the next request (read from JSON, as [`validate_host_add_value`]); an
    /// accepted host joins the context.
    ///
    /// # Errors
    ///
    /// [`ContextError`] only when the accepted host cannot join the context, which an
    /// outcome validated against it never does (a guard, not a user path); the request's
    /// own verdict is the inner `Result`.
    pub fn add_value(
        &mut self,
        request: &Value,
    ) -> Result<Result<Outcome, Rejection>, ContextError> {
        let verdict = validate_host_add_value(request, &self.ctx, self.options);
        self.admit(verdict)
    }

    /// As [`Batch::add_value`], for a request already read.
    ///
    /// # Errors
    ///
    /// As [`Batch::add_value`].
    pub fn add(
        &mut self,
        request: &HostAddRequest,
    ) -> Result<Result<Outcome, Rejection>, ContextError> {
        let verdict = validate_host_add(request, &self.ctx, self.options);
        self.admit(verdict)
    }

    fn admit(
        &mut self,
        verdict: Result<Outcome, Rejection>,
    ) -> Result<Result<Outcome, Rejection>, ContextError> {
        if let Ok(outcome) = &verdict {
            self.ctx
                .admit(&outcome.host, outcome.effect == Effect::UpdateDiscovered)?;
        }
        Ok(verdict)
    }

    /// The context as it stands, every accepted host included.
    #[must_use]
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// The context as it stands, given back.
    #[must_use]
    pub fn into_context(self) -> Context {
        self.ctx
    }
}
