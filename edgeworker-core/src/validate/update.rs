//! host-update (RULES §3), checks in sysinv's order.

use serde_json::Value;

use crate::context::{Context, HostRecord};
use crate::host::{ChangeSet, Subfunctions};
use crate::hostname::Hostname;
use crate::personality::Personality;
use crate::violation::Violation;

use super::rules::{self, BmFields, Bmc, given};
use super::{Changes, Findings, Options, Rejection, UpdateOutcome};

/// Validates `changes` to the existing `host` (one of `ctx`'s hosts).
///
/// A field given with the value it already has is no change. The empty string counts as
/// absent, as in a host-add.
///
/// # Errors
///
/// A [`Rejection`] with every violation in sysinv's order.
///
/// ```
/// use edgeworker_core::{context::{Context, HostRecord}, host::ChangeSet, validate};
///
/// let ctx = Context::from_value(&serde_json::json!({
///     "hosts": [{"mgmt_mac": "08:00:27:aa:00:07", "uuid": "0b3c9f7e"}],
/// }))?;
/// let discovered = ctx.find_host("0b3c9f7e").expect("present");
/// let changes = ChangeSet::from_json(r#"{"hostname": "edge-7", "personality": "edgeworker"}"#)?;
/// let outcome = validate::validate_host_update(discovered, &changes, &ctx, Default::default())?;
/// assert!(outcome.configure);
/// assert_eq!(outcome.host.subfunctions.as_deref(), Some("edgeworker"));
///
/// let half = ChangeSet::from_json(r#"{"personality": "edgeworker"}"#)?;
/// let rejection = validate::validate_host_update(discovered, &half, &ctx, Default::default())
///     .unwrap_err();
/// assert_eq!(rejection.to_string(), "Please provision 'hostname' and 'personality'.");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn validate_host_update(
    host: &HostRecord,
    changes: &ChangeSet,
    ctx: &Context,
    options: Options,
) -> Result<UpdateOutcome, Rejection> {
    let mut f = Findings::default();
    let current_name = host
        .hostname
        .as_ref()
        .map(super::super::hostname::Hostname::as_str);
    let new_hostname = given(changes.hostname.as_ref()).filter(|new| Some(*new) != current_name);
    let new_personality_raw = given(changes.personality.as_ref())
        .filter(|new| Some(*new) != host.personality.map(Personality::as_str));
    let new_personality: Option<Personality> = new_personality_raw.and_then(|p| p.parse().ok());
    // The personality the host will have, when it is known to be valid.
    let personality = new_personality.or(if new_personality_raw.is_some() {
        None
    } else {
        host.personality
    });
    let new_subfunctions = given(changes.subfunctions.as_ref()).and_then(|raw| {
        // Compared in normalized form, so `lowlatency,edgeworker` equals `edgeworker,lowlatency`.
        let normalized = personality
            .and_then(|p| Subfunctions::parse(p, Some(raw)).ok())
            .map_or_else(|| raw.to_owned(), |s| s.to_string());
        (host.subfunctions.as_deref() != Some(normalized.as_str())).then_some(raw)
    });

    for field in &changes.restricted {
        f.error(Violation::field_restricted(field));
    }
    check_identity(
        host,
        &Identity {
            hostname: new_hostname,
            personality: new_personality_raw,
            subfunctions: new_subfunctions,
            valid_personality: personality,
        },
        &mut f,
    );
    if let Some(raw) = new_personality_raw {
        match new_personality {
            None => f.error(Violation::personality_invalid(
                new_hostname.or(current_name),
                Some(raw),
            )),
            Some(p) if !rules::compatible(p, ctx) => {
                f.error(Violation::personality_incompatible(p));
            }
            Some(_) => {}
        }
    }
    let hostname = new_hostname.and_then(|raw| rules::parse_hostname(raw, &mut f));
    if let Some(name) = &hostname {
        if let Some(p) = personality {
            rules::check_hostname_policy(name.as_str(), p, &mut f);
        }
        rules::hostname_warnings(name, ctx, &mut f);
        // sysinv leaves this to a database error (HTTP 500); we answer it.
        if ctx
            .host(name.as_str())
            .is_some_and(|other| other.mgmt_mac != host.mgmt_mac)
        {
            f.error(Violation::hostname_duplicate());
        }
    }
    // The add path's simplex rule; sysinv forgets it on update.
    if new_personality.is_some() && rules::simplex_full(ctx) {
        f.error(Violation::system_simplex());
    }
    let bm = BmFields {
        kind: changes.bm_type.as_deref(),
        ip: given(changes.bm_ip.as_ref()),
        username: given(changes.bm_username.as_ref()),
        password: changes.bm_password,
    };
    let bm_changes =
        bm.kind.is_some() || bm.ip.is_some() || bm.username.is_some() || bm.password.is_some();
    let bmc = if bm_changes {
        rules::check_bmc(
            &bm,
            personality,
            new_hostname.or(current_name),
            Some(host.mgmt_mac),
            ctx,
            &mut f,
        )
        .map(Some)
    } else {
        Some(None)
    };
    let subfunctions = match (personality, given(changes.subfunctions.as_ref())) {
        (Some(p), Some(raw)) => {
            rules::check_subfunctions(p, Some(raw), &mut f).map(|s| s.to_string())
        }
        _ => None,
    };

    let configure = host.personality.is_none() && new_personality.is_some();
    let updated = bmc.map(|bmc| apply(host, changes, hostname, new_personality, subfunctions, bmc));
    let ((changes, host), warnings) = f.finish(options, updated)?;
    Ok(UpdateOutcome {
        changes,
        host,
        warnings,
        configure,
    })
}

/// The changes as validated: the parsed values, not the text given.
fn normalize(
    changes: &ChangeSet,
    hostname: Option<Hostname>,
    personality: Option<Personality>,
    subfunctions: Option<String>,
    bmc: Option<&Bmc>,
) -> Changes {
    Changes {
        hostname,
        personality,
        subfunctions,
        bm_type: bmc.map(|b| b.kind),
        bm_ip: bmc.and_then(|b| b.ip),
        bm_username: bmc.and_then(|b| b.username.clone()),
        extra: changes.extra.clone(),
    }
}

/// The normalized changes, and the host as it will be stored.
fn apply(
    host: &HostRecord,
    changes: &ChangeSet,
    hostname: Option<Hostname>,
    personality: Option<Personality>,
    subfunctions: Option<String>,
    bmc: Option<Bmc>,
) -> (Changes, HostRecord) {
    let normalized = normalize(
        changes,
        hostname.clone(),
        personality,
        subfunctions.clone(),
        bmc.as_ref(),
    );
    let mut updated = host.clone();
    if let Some(name) = hostname {
        updated.hostname = Some(name);
    }
    if let Some(p) = personality {
        updated.personality = Some(p);
        if updated.subfunctions.is_none() {
            updated.subfunctions = Some(Subfunctions::of(p).to_string());
        }
    }
    if let Some(subfunctions) = subfunctions {
        updated.subfunctions = Some(subfunctions);
    }
    if let Some(bmc) = bmc {
        updated.bm_ip = bmc.ip;
    }
    (normalized, updated)
}

/// What a change set changes (fields given with their current value excluded).
struct Identity<'a> {
    hostname: Option<&'a str>,
    personality: Option<&'a str>,
    subfunctions: Option<&'a str>,
    /// The personality the host will have, if valid.
    valid_personality: Option<Personality>,
}

/// Provisioned hosts and set identities do not change; name and personality come together.
fn check_identity(host: &HostRecord, new: &Identity<'_>, f: &mut Findings) {
    let current_name = host.hostname.as_ref().map(Hostname::as_str);
    let changes = new.hostname.is_some() || new.personality.is_some() || new.subfunctions.is_some();
    if host.is_configured() && changes {
        f.error(Violation::host_provisioned(current_name));
    }
    if host.personality.is_some() && new.personality.is_some() {
        f.error(Violation::personality_immutable(current_name));
    }
    if let (Some(current), Some(_)) = (current_name, new.hostname) {
        f.error(Violation::hostname_immutable(current));
    }
    if host.subfunctions.is_some() && new.subfunctions.is_some() {
        f.error(Violation::subfunctions_immutable(current_name));
    }
    let will_have_name = new.hostname.is_some() || current_name.is_some();
    let will_have_personality = new.personality.is_some() || host.personality.is_some();
    // Controllers and storage hosts may be nameless; everyone else needs both together.
    let name_optional = !will_have_name
        && new
            .valid_personality
            .is_some_and(|p| !p.capabilities().hostname_required);
    if (new.hostname.is_some() || new.personality.is_some())
        && will_have_name != will_have_personality
        && !name_optional
    {
        f.error(Violation::host_incomplete());
    }
}

/// [`validate_host_update`] on a change set given as JSON: its shape errors are a
/// rejection too. (A JSON object cannot hold a field twice; to detect
/// `request.duplicate_field`, read the text with [`ChangeSet::from_json`].)
///
/// # Errors
///
/// A [`Rejection`]: the shape errors if any, else the rule violations.
///
/// ```
/// use edgeworker_core::{context::Context, validate};
/// let ctx = Context::example();
/// let controller = ctx.host("controller-0").expect("present");
/// let rejection = validate::validate_host_update_value(
///     controller, &serde_json::json!({"mgmt_ip": "192.168.204.9"}), &ctx, Default::default(),
/// )
/// .unwrap_err();
/// assert_eq!(rejection.to_string(), "Change mgmt_ip contains restricted field");
/// ```
pub fn validate_host_update_value(
    host: &HostRecord,
    changes: &Value,
    ctx: &Context,
    options: Options,
) -> Result<UpdateOutcome, Rejection> {
    validate_host_update_read(host, ChangeSet::from_value(changes), ctx, options)
}

/// [`validate_host_update_value`] of a change set its caller read itself (with
/// [`ChangeSet::from_value`]), as [`validate_host_add_read`](super::validate_host_add_read)
/// is for a host-add.
///
/// # Errors
///
/// A [`Rejection`]: the shape errors if any, else the rule violations.
///
/// ```
/// use edgeworker_core::{context::Context, host::ChangeSet, validate};
/// let ctx = Context::example();
/// let host = ctx.host("controller-0").expect("present");
/// let read = ChangeSet::from_value(&serde_json::json!({"mgmt_ip": "192.168.204.9"}));
/// let rejection = validate::validate_host_update_read(host, read, &ctx, Default::default())
///     .unwrap_err();
/// assert_eq!(rejection.to_string(), "Change mgmt_ip contains restricted field");
/// ```
pub fn validate_host_update_read(
    host: &HostRecord,
    changes: Result<ChangeSet, Vec<Violation>>,
    ctx: &Context,
    options: Options,
) -> Result<UpdateOutcome, Rejection> {
    match changes {
        Ok(changes) => validate_host_update(host, &changes, ctx, options),
        Err(errors) => Err(Rejection::new(errors, Vec::new())),
    }
}
