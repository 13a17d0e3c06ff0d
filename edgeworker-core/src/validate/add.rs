//! host-add (RULES §2), checks in sysinv's order.

use std::net::IpAddr;

use serde_json::Value;

use crate::context::{Context, SystemMode};
use crate::host::{Host, HostAddRequest, PasswordShape};
use crate::hostname::Hostname;
use crate::mac::MacAddress;
use crate::personality::{Capabilities, HostnamePolicy, Personality};
use crate::profile::MgmtIpRule;
use crate::violation::Violation;

use super::rules::{self, BmFields, given};
use super::{Effect, Findings, Options, Outcome, Rejection};

/// Validates a host-add request against `ctx`.
///
/// # Errors
///
/// A [`Rejection`] with every violation in sysinv's order.
///
/// ```
/// use edgeworker_core::{context::Context, host::HostAddRequest, validate::{self, Effect, Options}};
///
/// let request = HostAddRequest {
///     hostname: Some("edge_1".into()),
///     personality: Some("edgeworker".into()),
///     mgmt_mac: Some("08:00:27:aa:00:09".into()),
///     ..HostAddRequest::default()
/// };
/// let ctx = Context::default();
/// let outcome = validate::validate_host_add(&request, &ctx, Options::default()).expect("valid");
/// assert_eq!(outcome.effect, Effect::Create);
/// assert_eq!(outcome.warnings[0].code().as_str(), "hostname.not_dns_compatible");
///
/// let strict = validate::validate_host_add(&request, &ctx, Options::default().with_strict(true));
/// assert_eq!(strict.unwrap_err().errors()[0].code().as_str(), "hostname.not_dns_compatible");
/// ```
pub fn validate_host_add(
    request: &HostAddRequest,
    ctx: &Context,
    options: Options,
) -> Result<Outcome, Rejection> {
    let mut f = Findings::default();
    let raw_personality = request.personality.as_deref();
    let personality: Option<Personality> = raw_personality.and_then(|p| p.parse().ok());
    // A personality that is absent or invalid gets the rules of the general case.
    let caps = personality.map(Personality::capabilities);
    let dynamic = ctx.mgmt_network().dynamic;
    let raw_hostname = given(request.hostname.as_ref());
    // Under a profile whose hosts have no `mgmt_ip`, every check on it is absent: the
    // rules below see no address, and the one given is only reported as ignored.
    let (raw_mgmt_ip, ignored_mgmt_ip) = match ctx.profile().rules().mgmt_ip {
        MgmtIpRule::Checked => (given(request.mgmt_ip.as_ref()), None),
        MgmtIpRule::Ignored => (None, given(request.mgmt_ip.as_ref())),
    };

    // 0 to 4 only once the system has a controller (sysinv `_no_controllers_exist`).
    if rules::controllers_exist(ctx) {
        check_system(request, raw_mgmt_ip, caps, ctx, &mut f);
    }
    if let Some(raw) = ignored_mgmt_ip {
        f.warn(Violation::mgmt_ip_ignored(raw));
    }
    // 5, 6
    let hostname = check_hostname(raw_hostname, raw_personality, personality, ctx, &mut f);
    // 7, 8
    let raw_mac = given(request.mgmt_mac.as_ref());
    let mac = parse_mac(raw_mac, &mut f);
    // 9
    if let Some(p) = personality
        && !rules::compatible(p, ctx)
    {
        f.error(Violation::personality_incompatible(p));
    }
    // 10 and 11 concern workers and edgeworkers only: controller and storage names and
    // addresses are the platform's own.
    let platform_host = caps.is_some_and(|c| !c.hostname_required);
    // 10
    if !platform_host
        && hostname
            .as_ref()
            .is_some_and(|h| ctx.host(h.as_str()).is_some())
    {
        f.error(Violation::hostname_duplicate());
    }
    // 11: compared as addresses, whatever the addressing mode (sysinv compares the text
    // before it knows the mode).
    let parsed_ip: Option<(&str, IpAddr)> =
        raw_mgmt_ip.and_then(|raw| raw.parse::<IpAddr>().ok().map(|ip| (raw, ip)));
    if let Some((raw, ip)) = parsed_ip
        && !platform_host
        && ctx.host_by_mgmt_ip(ip).is_some()
    {
        f.error(Violation::mgmt_ip_duplicate(raw));
    }
    // The static address (of the pool's family; anything else is reported at 14).
    let pool = &ctx.mgmt_network().pool;
    let mgmt_ip = parsed_ip
        .filter(|_| !dynamic)
        .filter(|(_, ip)| ip.is_ipv4() == pool.is_ipv4());
    // 12: a known MAC is a duplicate, unless its host was only discovered.
    let mut discovered = None;
    if let (Some(mac), Some(raw)) = (mac, raw_mac) {
        match ctx.host_by_mac(&mac) {
            Some(host) if host.is_discovered() => discovered = Some(host),
            Some(_) => f.error(Violation::mgmt_mac_duplicate(raw)),
            None => {}
        }
    }
    // 13
    let bmc = rules::check_bmc(
        &BmFields {
            // "" is no board management type (sysinv tests membership, not truth).
            kind: request.bm_type.as_deref(),
            ip: given(request.bm_ip.as_ref()),
            username: given(request.bm_username.as_ref()),
            password: given(request.bm_password.as_ref()).map(PasswordShape::of),
        },
        personality,
        request.hostname.as_deref(),
        None,
        ctx,
        &mut f,
    );
    // 13½ (the platform's names), 14 to 17.
    let (hostname, mgmt_ip) = check_address(caps, hostname, raw_mgmt_ip, mgmt_ip, ctx, &mut f);
    // Ours, after all of sysinv's checks.
    let subfunctions = personality
        .and_then(|p| rules::check_subfunctions(p, given(request.subfunctions.as_ref()), &mut f));

    let host = match (personality, subfunctions, mac, bmc) {
        (Some(personality), Some(subfunctions), Some(mgmt_mac), Some(bmc)) => Some(Host {
            hostname,
            personality,
            subfunctions,
            mgmt_mac,
            mgmt_ip,
            bm_type: bmc.kind,
            bm_ip: bmc.ip,
            bm_username: bmc.username,
            uuid: discovered.and_then(|h| h.uuid.clone()),
            extra: request.extra.clone(),
        }),
        _ => None,
    };
    let effect = if discovered.is_some() {
        Effect::UpdateDiscovered
    } else {
        Effect::Create
    };
    let (host, warnings) = f.finish(options, host)?;
    Ok(Outcome {
        host,
        warnings,
        effect,
    })
}

/// Checks 0 to 4 (sysinv `_new_host_semantic_checks` while a controller exists).
fn check_system(
    request: &HostAddRequest,
    raw_mgmt_ip: Option<&str>,
    caps: Option<Capabilities>,
    ctx: &Context,
    f: &mut Findings,
) {
    let dynamic = ctx.mgmt_network().dynamic;
    // 0
    if request.personality.is_none() && !rules::unlocked_enabled_controller(ctx) {
        f.error(Violation::host_no_unlocked_controller(
            request.mgmt_mac.as_deref(),
        ));
    }
    // 1, 2 (only under a profile that checks `mgmt_ip`)
    if ctx.profile().rules().mgmt_ip == MgmtIpRule::Checked {
        if dynamic && raw_mgmt_ip.is_some() {
            f.error(Violation::mgmt_ip_not_allowed());
        } else if !dynamic
            && raw_mgmt_ip.is_none()
            && caps.is_none_or(|c| c.mgmt_ip_required_when_static)
        {
            f.error(Violation::mgmt_ip_required());
        }
    }
    // 3
    if let Some(vsc) = given(request.extra.vsc_controllers.as_ref()) {
        rules::check_vsc_controllers(vsc, request.personality.as_deref(), ctx, f);
    }
    // 4
    if ctx.system().mode == SystemMode::Simplex {
        f.error(Violation::system_simplex());
    }
}

/// Checks 5 and 6 (sysinv `_validate_hostname`, by personality), and the hostname warnings.
fn check_hostname(
    raw: Option<&str>,
    raw_personality: Option<&str>,
    personality: Option<Personality>,
    ctx: &Context,
    f: &mut Findings,
) -> Option<Hostname> {
    let Some(raw) = raw else {
        if personality.is_none_or(|p| p.capabilities().hostname_required) {
            f.error(Violation::hostname_missing(raw_personality));
        }
        // sysinv never gets further; we still say the personality is unusable, where check 6
        // would have.
        if personality.is_none() {
            f.error(Violation::personality_invalid(None, raw_personality));
        }
        return None;
    };
    let Some(personality) = personality else {
        f.error(Violation::personality_invalid(Some(raw), raw_personality));
        return None;
    };
    let name = match personality.capabilities().hostnames {
        // Workers and edgeworkers: the character rules, then the reserved names.
        HostnamePolicy::NotReserved => {
            let name = rules::parse_hostname(raw, f)?;
            rules::check_hostname_policy(name.as_str(), personality, f);
            rules::hostname_warnings(&name, ctx, f);
            name
        }
        // Controllers and storage: the name list or pattern alone (`edge@1` as a
        // controller is told the controller names, not the characters). No name warnings:
        // the platform's own names are DNS names, and a controller's `<name>-mgmt` row is
        // its own, not one it would shadow.
        HostnamePolicy::ControllerNames | HostnamePolicy::StorageNames => {
            if !rules::check_hostname_policy(raw, personality, f) {
                return None;
            }
            // The allowed names are all valid host names.
            Hostname::parse(raw).ok()?
        }
    };
    Some(name)
}

/// Checks 7 and 8: present, and a MAC address.
fn parse_mac(raw: Option<&str>, f: &mut Findings) -> Option<MacAddress> {
    let Some(raw) = raw else {
        f.error(Violation::mgmt_mac_missing());
        return None;
    };
    let mac = MacAddress::parse(raw).ok();
    if mac.is_none() {
        f.error(Violation::mgmt_mac_invalid());
    }
    mac
}

/// The host's name and address after sysinv's address checks: the platform names its
/// controllers and storage hosts and gives them the address of their row, whatever the
/// request said (`_controller_storage_node_setup`, after the BMC checks), then checks 14 to
/// 17 see that name and address; anyone else's static address is checked as given.
fn check_address(
    caps: Option<Capabilities>,
    hostname: Option<Hostname>,
    raw_mgmt_ip: Option<&str>,
    mgmt_ip: Option<(&str, IpAddr)>,
    ctx: &Context,
    f: &mut Findings,
) -> (Option<Hostname>, Option<IpAddr>) {
    if let Some(policy @ (HostnamePolicy::ControllerNames | HostnamePolicy::StorageNames)) =
        caps.map(|c| c.hostnames)
    {
        // The platform's address is the host's own only where hosts have a `mgmt_ip`.
        let checked = ctx.profile().rules().mgmt_ip == MgmtIpRule::Checked;
        return match platform_name(policy, hostname.as_ref(), ctx, f) {
            Some((name, ip)) => {
                let ip = ip.filter(|_| checked);
                if let Some(ip) = ip {
                    check_platform_address(ip, &name, ctx, f);
                }
                // As for every host, the normalized host carries an address only with static
                // addressing; with dynamic addressing the row already holds it, and a request
                // giving it would be refused (check 1).
                (Some(name), ip.filter(|_| !ctx.mgmt_network().dynamic))
            }
            None => (hostname, None),
        };
    }
    if let (false, Some(raw)) = (ctx.mgmt_network().dynamic, raw_mgmt_ip) {
        match mgmt_ip {
            None => f.error(Violation::mgmt_ip_invalid(raw)),
            Some((_, ip)) => check_static_address(ip, hostname.as_ref(), ctx, f),
        }
    }
    (hostname, mgmt_ip.map(|(_, ip)| ip))
}

/// The name and address the platform gives a controller or storage host, or `None` where it
/// keeps the request's (the first controller) or refuses (recorded in `f`).
///
/// Names are taken by any host, not only by hosts of the personality as sysinv counts them:
/// where the two differ sysinv fails on its database's unique constraint, and we name a free
/// host name instead.
fn platform_name(
    policy: HostnamePolicy,
    given: Option<&Hostname>,
    ctx: &Context,
    f: &mut Findings,
) -> Option<(Hostname, Option<IpAddr>)> {
    let free = |name: &str| ctx.host(name).is_none();
    let name = if policy == HostnamePolicy::ControllerNames {
        // The first controller is added as requested (sysinv returns before its node setup).
        if !rules::controllers_exist(ctx) {
            return None;
        }
        let Some(name) = ["controller-0", "controller-1"]
            .into_iter()
            .find(|n| free(n))
        else {
            f.error(Violation::personality_controllers_full());
            return None;
        };
        name.to_owned()
    } else {
        // The highest free name from storage-0 to storage-<number of storage hosts>.
        let storage = ctx
            .hosts()
            .iter()
            .filter(|h| {
                h.personality
                    .is_some_and(|p| p.capabilities().hostnames == policy)
            })
            .count();
        // One of the first hosts + 1 names is free.
        let name = (0..=storage)
            .rev()
            .chain(storage + 1..=ctx.hosts().len())
            .map(|i| format!("storage-{i}"))
            .find(|n| free(n))?;
        if let Some(given) = given
            && given.as_str() != name
        {
            f.error(Violation::hostname_not_expected(given.as_str(), &name));
            return None;
        }
        name
    };
    let hostname = Hostname::parse(&name).ok()?;
    let ip = ctx.mgmt_row_of(&name).map(|row| row.address);
    Some((hostname, ip))
}

/// Checks 15 to 17 of the address the platform gave a controller or storage host: its own
/// row's, so only another host holding it (a context sysinv's database would refuse) or the
/// pool can object.
fn check_platform_address(ip: IpAddr, name: &Hostname, ctx: &Context, f: &mut Findings) {
    if ctx.host_by_mgmt_ip(ip).is_some() {
        f.error(Violation::mgmt_ip_allocated(ip));
    }
    check_static_address(ip, Some(name), ctx, f);
}

/// Checks 15 to 17 of a static management address against the rows and the pool.
fn check_static_address(ip: IpAddr, hostname: Option<&Hostname>, ctx: &Context, f: &mut Findings) {
    let own_row = hostname.and_then(|h| ctx.mgmt_row_of(h.as_str()));
    if ctx
        .row_by_ip(ip)
        .is_some_and(|row| own_row.is_none_or(|own| own.name != row.name))
    {
        f.error(Violation::mgmt_ip_allocated(ip));
    }
    if let (Some(name), Some(row)) = (hostname, own_row)
        && row.address != ip
    {
        f.error(Violation::mgmt_ip_name_allocated(name.as_str()));
    }
    if !ctx.mgmt_network().pool.contains(ip) {
        f.error(Violation::mgmt_ip_out_of_pool(ip));
    }
}

/// [`validate_host_add`] on a request given as JSON, the path the CLI and the Python
/// binding share: the request's own shape errors (`request.unknown_field`,
/// `request.invalid_type`) are a rejection too.
///
/// # Errors
///
/// A [`Rejection`]: the shape errors if any, else the rule violations.
///
/// ```
/// use edgeworker_core::{context::Context, validate};
/// let rejection = validate::validate_host_add_value(
///     &serde_json::json!({"hostname": ["edge-1"]}),
///     &Context::default(),
///     Default::default(),
/// )
/// .unwrap_err();
/// assert_eq!(rejection.errors()[0].message(), "Field hostname must be a string, not an array");
/// ```
pub fn validate_host_add_value(
    request: &Value,
    ctx: &Context,
    options: Options,
) -> Result<Outcome, Rejection> {
    validate_host_add_read(
        HostAddRequest::from_value_under(request, ctx.profile()),
        ctx,
        options,
    )
}

/// [`validate_host_add_value`] of a request its caller read itself (with
/// [`HostAddRequest::from_value_under`], under `ctx`'s profile): a reader that learns from
/// the request which part of a context matters ([`Relevance`](crate::context::Relevance))
/// reads the request once. Its shape errors are the rejection, as there.
///
/// # Errors
///
/// A [`Rejection`]: the shape errors if any, else the rule violations.
///
/// ```
/// use edgeworker_core::{context::Context, host::HostAddRequest, validate};
/// let ctx = Context::default();
/// let read = HostAddRequest::from_value_under(&serde_json::json!({"hostname": 1}), ctx.profile());
/// let rejection = validate::validate_host_add_read(read, &ctx, Default::default()).unwrap_err();
/// assert_eq!(rejection.errors()[0].code().as_str(), "request.invalid_type");
/// ```
pub fn validate_host_add_read(
    request: Result<HostAddRequest, Vec<Violation>>,
    ctx: &Context,
    options: Options,
) -> Result<Outcome, Rejection> {
    match request {
        Ok(request) => validate_host_add(&request, ctx, options),
        Err(errors) => Err(Rejection::new(errors, Vec::new())),
    }
}
