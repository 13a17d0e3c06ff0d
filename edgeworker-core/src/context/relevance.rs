//! Which hosts and address rows of a context can change the answer to one request.
//!
//! sysinv's conductor builds a context from its database for every request; converting all
//! of it costs far more than the rules, which look up a handful of hosts by name, MAC or
//! address. [`Relevance`] is the one statement of which hosts and rows those lookups can
//! reach, so a reader can convert only those and validate against the small context they
//! make: the answer is the same as against the whole one (the property test
//! `tests/relevance.rs` pins it).

use std::net::IpAddr;

use super::{AddressRow, Context, ContextError, ContextParts, HostField, HostRecord};
use crate::address::MGMT_SUFFIX;
use crate::host::{ChangeSet, HostAddRequest};
use crate::mac::MacAddress;
use crate::personality::{HostnamePolicy, Personality};

/// The names the platform gives its controllers; a host holding one means the system has
/// its first controller (checks 0 to 4 then apply), and a controller being added gets the
/// first free one, with its `<name>-mgmt` row's address.
const CONTROLLER_NAMES: [&str; 2] = ["controller-0", "controller-1"];

/// The prefix of the names the platform gives storage hosts (`storage-0`, `storage-1`, ...).
const STORAGE_PREFIX: &str = "storage-";

/// The keys of a host [`Relevance`] decides by: the fields listed in
/// [`Relevance::HOST_FIELDS`], read and checked as the context reader reads them.
///
/// ```
/// use edgeworker_core::context::{Context, HostKeys};
/// let ctx = Context::example();
/// let keys = HostKeys::of(&ctx.hosts()[0]);
/// assert_eq!(keys.hostname, Some("controller-0"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct HostKeys<'a> {
    /// `hostname`.
    pub hostname: Option<&'a str>,
    /// `personality`.
    pub personality: Option<Personality>,
    /// `mgmt_mac`.
    pub mgmt_mac: MacAddress,
    /// `mgmt_ip`.
    pub mgmt_ip: Option<IpAddr>,
    /// `bm_ip`.
    pub bm_ip: Option<IpAddr>,
}

impl<'a> HostKeys<'a> {
    /// The keys of a host record.
    ///
    /// ```
    /// use edgeworker_core::context::{Context, HostKeys};
    /// let ctx = Context::example();
    /// assert!(HostKeys::of(&ctx.hosts()[1]).mgmt_ip.is_some());
    /// ```
    #[must_use]
    pub fn of(host: &'a HostRecord) -> Self {
        Self {
            hostname: host
                .hostname
                .as_ref()
                .map(crate::hostname::Hostname::as_str),
            personality: host.personality,
            mgmt_mac: host.mgmt_mac,
            mgmt_ip: host.mgmt_ip,
            bm_ip: host.bm_ip,
        }
    }
}

/// The hosts and address rows of a context that can change the answer to one host-add or
/// host-update: the rule that lets a reader convert only those.
///
/// Every context lookup the checks make, and what makes a host or row reachable by it:
///
/// - a host named `controller-0` or `controller-1` (whether the system has its first
///   controller, checks 0 to 4; the free controller name of a controller being added);
/// - every controller, for a host-add without a personality (check 0: an unlocked,
///   enabled controller);
/// - the host named as the request names it (check 10, the hostname warnings, a
///   host-update's new name);
/// - the host with the request's `mgmt_mac` (check 12, and the discovered host an add
///   updates);
/// - the host with the request's `mgmt_ip`, and the row holding it (checks 11 and 15);
/// - the host with the request's `bm_ip` (check 13, the BMC duplicate);
/// - the rows named `<name>-mgmt` for every name above (the hostname warning about a name
///   with a row of its own, check 16, the address the platform gives a controller or
///   storage host), and, for such a host, the hosts whose `mgmt_ip` is the address of such
///   a row (the platform address's check 15);
/// - for a storage host being added: every storage host, every host and row named
///   `storage-...` (the platform names storage hosts by counting them and taking the highest
///   free name).
///
/// Everything else a check reads is the system, the profile and the networks, which a
/// reader converts whole. A host matters when any one of its keys ([`HostKeys`]) does, so
/// only the fields of [`Relevance::HOST_FIELDS`] that [`Relevance::reads`] names need
/// reading to decide. Rows must be
/// offered ([`Relevance::wants_row`]) before hosts: a wanted row's address makes the host
/// holding it wanted.
///
/// ```
/// use edgeworker_core::context::{Context, Relevance};
/// use edgeworker_core::host::HostAddRequest;
/// use edgeworker_core::validate;
///
/// let request = HostAddRequest {
///     hostname: Some("edge-1".into()),
///     personality: Some("edgeworker".into()),
///     mgmt_mac: Some("08:00:27:AA:00:02".into()), // controller-1's
///     ..HostAddRequest::default()
/// };
/// let ctx = Context::example();
/// let small = Relevance::host_add(&request).subset(&ctx)?;
/// assert_eq!(small.hosts().len(), 2); // controller-0 and -1 (by name), controller-1 (by MAC)
/// let whole = validate::validate_host_add(&request, &ctx, Default::default());
/// let part = validate::validate_host_add(&request, &small, Default::default());
/// assert_eq!(whole, part);
/// assert_eq!(
///     part.unwrap_err().to_string(),
///     "Host-add Rejected: Host with mgmt_mac 08:00:27:AA:00:02 already exists",
/// );
/// # Ok::<(), edgeworker_core::context::ContextError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Relevance {
    /// Host names looked up, and whose `<name>-mgmt` rows are.
    names: Vec<String>,
    /// Management MACs looked up.
    macs: Vec<MacAddress>,
    /// Management addresses looked up: the request's, then those of the wanted rows.
    addresses: Vec<IpAddr>,
    /// BMC addresses looked up.
    bm_ips: Vec<IpAddr>,
    /// A storage host is being added.
    storage: bool,
    /// Every controller matters (a host-add without a personality: check 0).
    controllers: bool,
    /// A controller or storage host is being added: the platform gives it the address of
    /// its name's row, which the host holding that address would clash with.
    platform: bool,
}

impl Relevance {
    /// The host fields [`Relevance::wants_host`] may decide by. A reader reads and checks,
    /// of every host, those of them [`Relevance::reads`] names for the request, and the
    /// others only of the hosts it wants.
    pub const HOST_FIELDS: [HostField; 5] = [
        HostField::Hostname,
        HostField::Personality,
        HostField::MgmtMac,
        HostField::MgmtIp,
        HostField::BmIp,
    ];

    /// Nothing but what every request can reach (the hosts with the controllers' names):
    /// for a request that is refused before any lookup.
    ///
    /// ```
    /// use edgeworker_core::context::Relevance;
    /// assert!(Relevance::none().wants_hostname("controller-0"));
    /// assert!(!Relevance::none().wants_hostname("edge-1"));
    /// ```
    #[must_use]
    pub fn none() -> Self {
        Self {
            names: CONTROLLER_NAMES.map(str::to_owned).to_vec(),
            ..Self::default()
        }
    }

    /// Whether the hosts' `field` can make one of them matter to this request, so a reader
    /// must read it of every host: always `hostname` (the controllers' names) and `mgmt_mac`
    /// (the field every host has); `personality` when every controller or every storage
    /// host matters; `mgmt_ip` and `bm_ip` when the request reaches an address. For any
    /// other field, and these when `false`, [`Relevance::wants_host`] does not look at it.
    ///
    /// ```
    /// use edgeworker_core::context::{HostField, Relevance};
    /// use edgeworker_core::host::HostAddRequest;
    /// let request = HostAddRequest {
    ///     hostname: Some("edge-1".into()),
    ///     personality: Some("edgeworker".into()),
    ///     mgmt_mac: Some("08:00:27:aa:00:09".into()),
    ///     ..HostAddRequest::default()
    /// };
    /// let relevance = Relevance::host_add(&request);
    /// assert!(relevance.reads(HostField::Hostname) && relevance.reads(HostField::MgmtMac));
    /// assert!(!relevance.reads(HostField::Personality) && !relevance.reads(HostField::MgmtIp));
    /// ```
    #[must_use]
    pub fn reads(&self, field: HostField) -> bool {
        match field {
            HostField::Hostname | HostField::MgmtMac => true,
            HostField::Personality => self.controllers || self.storage,
            // A platform host makes its row's address wanted once the rows are read.
            HostField::MgmtIp => self.platform || !self.addresses.is_empty(),
            HostField::BmIp => !self.bm_ips.is_empty(),
            _ => false,
        }
    }

    /// What a host-add request can reach.
    ///
    /// ```
    /// use edgeworker_core::context::Relevance;
    /// use edgeworker_core::host::HostAddRequest;
    /// let request = HostAddRequest { hostname: Some("edge-1".into()), ..HostAddRequest::default() };
    /// let relevance = Relevance::host_add(&request);
    /// assert!(relevance.wants_hostname("edge-1"));
    /// assert!(!relevance.wants_hostname("edge-2"));
    /// ```
    #[must_use]
    pub fn host_add(request: &HostAddRequest) -> Self {
        let mut relevance = Self::none();
        relevance.add_name(request.hostname.as_deref());
        relevance.macs.extend(
            request
                .mgmt_mac
                .as_deref()
                .and_then(|raw| MacAddress::parse(raw).ok()),
        );
        relevance
            .addresses
            .extend(request.mgmt_ip.as_deref().and_then(parse_ip));
        relevance
            .bm_ips
            .extend(request.bm_ip.as_deref().and_then(parse_ip));
        let personality = request
            .personality
            .as_deref()
            .and_then(|p| p.parse::<Personality>().ok());
        relevance.storage =
            personality.is_some_and(|p| p.capabilities().hostnames == HostnamePolicy::StorageNames);
        relevance.platform = personality.is_some_and(|p| !p.capabilities().hostname_required);
        // Check 0 asks for an unlocked, enabled controller only of a request without one.
        relevance.controllers = request.personality.is_none();
        relevance
    }

    /// What a host-update change set can reach (the host being updated is given apart from
    /// the context, so it need not be in it).
    ///
    /// ```
    /// use edgeworker_core::context::Relevance;
    /// use edgeworker_core::host::ChangeSet;
    /// let changes = ChangeSet::from_json(r#"{"hostname": "edge-7", "bm_ip": "10.0.0.9"}"#)?;
    /// let relevance = Relevance::host_update(&changes);
    /// assert!(relevance.wants_hostname("edge-7"));
    /// assert!(relevance.wants_bm_ip("10.0.0.9".parse()?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn host_update(changes: &ChangeSet) -> Self {
        let mut relevance = Self::none();
        relevance.add_name(changes.hostname.as_deref());
        relevance
            .bm_ips
            .extend(changes.bm_ip.as_deref().and_then(parse_ip));
        relevance
    }

    fn add_name(&mut self, name: Option<&str>) {
        if let Some(name) = name.filter(|n| !n.is_empty())
            && !self.names.iter().any(|n| n == name)
        {
            self.names.push(name.to_owned());
        }
    }

    /// Whether a host of this name matters.
    ///
    /// ```
    /// use edgeworker_core::context::Relevance;
    /// assert!(Relevance::none().wants_hostname("controller-1"));
    /// ```
    #[must_use]
    pub fn wants_hostname(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name) || (self.storage && name.starts_with(STORAGE_PREFIX))
    }

    /// Whether a host of this personality matters (whatever its other keys).
    ///
    /// ```
    /// use edgeworker_core::context::Relevance;
    /// use edgeworker_core::host::HostAddRequest;
    /// use edgeworker_core::personality::Personality;
    /// let nameless = Relevance::host_add(&HostAddRequest::default());
    /// assert!(nameless.wants_personality(Personality::Controller));
    /// assert!(!nameless.wants_personality(Personality::Storage));
    /// ```
    #[must_use]
    pub fn wants_personality(&self, personality: Personality) -> bool {
        let caps = personality.capabilities();
        (self.controllers && personality == Personality::Controller)
            || (self.storage && caps.hostnames == HostnamePolicy::StorageNames)
    }

    /// Whether the host with this management MAC matters (compared as MACs are everywhere:
    /// case aside, separator included).
    ///
    /// ```
    /// use edgeworker_core::context::Relevance;
    /// use edgeworker_core::host::HostAddRequest;
    /// let request = HostAddRequest { mgmt_mac: Some("08:00:27:AA:00:09".into()), ..HostAddRequest::default() };
    /// assert!(Relevance::host_add(&request).wants_mac(&"08:00:27:aa:00:09".parse()?));
    /// # Ok::<(), edgeworker_core::mac::MacError>(())
    /// ```
    #[must_use]
    pub fn wants_mac(&self, mac: &MacAddress) -> bool {
        self.macs.contains(mac)
    }

    /// Whether the host with this management address matters.
    ///
    /// ```
    /// use edgeworker_core::context::Relevance;
    /// assert!(!Relevance::none().wants_mgmt_ip("192.168.204.3".parse()?));
    /// # Ok::<(), std::net::AddrParseError>(())
    /// ```
    #[must_use]
    pub fn wants_mgmt_ip(&self, ip: IpAddr) -> bool {
        self.addresses.contains(&ip)
    }

    /// Whether the host with this BMC address matters.
    ///
    /// ```
    /// use edgeworker_core::context::Relevance;
    /// assert!(!Relevance::none().wants_bm_ip("10.0.0.9".parse()?));
    /// # Ok::<(), std::net::AddrParseError>(())
    /// ```
    #[must_use]
    pub fn wants_bm_ip(&self, ip: IpAddr) -> bool {
        self.bm_ips.contains(&ip)
    }

    /// Whether a host matters: when any one of its keys does.
    ///
    /// ```
    /// use edgeworker_core::context::{Context, HostKeys, Relevance};
    /// let ctx = Context::example();
    /// assert!(Relevance::none().wants_host(&HostKeys::of(&ctx.hosts()[0])));
    /// ```
    #[must_use]
    pub fn wants_host(&self, host: &HostKeys<'_>) -> bool {
        host.hostname.is_some_and(|n| self.wants_hostname(n))
            || host.personality.is_some_and(|p| self.wants_personality(p))
            || self.wants_mac(&host.mgmt_mac)
            || host.mgmt_ip.is_some_and(|ip| self.wants_mgmt_ip(ip))
            || host.bm_ip.is_some_and(|ip| self.wants_bm_ip(ip))
    }

    /// Whether a row's address can make it matter to this request (a reader must then read
    /// every row's address); else only its name can ([`Relevance::wants_row_name`]).
    ///
    /// ```
    /// use edgeworker_core::context::Relevance;
    /// assert!(!Relevance::none().reads_row_address());
    /// ```
    #[must_use]
    pub fn reads_row_address(&self) -> bool {
        self.platform || !self.addresses.is_empty()
    }

    /// Whether a row of this name matters whatever its address: it is `<name>-mgmt` of a
    /// name that does. Where [`Relevance::reads_row_address`] is `false`, this is the whole
    /// answer; a wanted row is then offered to [`Relevance::wants_row`] all the same.
    ///
    /// ```
    /// use edgeworker_core::context::Relevance;
    /// assert!(Relevance::none().wants_row_name("controller-0-mgmt"));
    /// assert!(!Relevance::none().wants_row_name("controller-0-cluster-host"));
    /// ```
    #[must_use]
    pub fn wants_row_name(&self, name: &str) -> bool {
        name.strip_suffix(MGMT_SUFFIX)
            .is_some_and(|host| self.wants_hostname(host))
    }

    /// Whether an address row matters: it is `<name>-mgmt` of a name that does, or holds
    /// an address that does. A wanted row's address is remembered, so the host holding it
    /// is wanted too: offer every row before the first host.
    ///
    /// ```
    /// use edgeworker_core::context::Relevance;
    /// use edgeworker_core::host::HostAddRequest;
    /// let controller = HostAddRequest { personality: Some("controller".into()), ..HostAddRequest::default() };
    /// let mut relevance = Relevance::host_add(&controller);
    /// assert!(relevance.wants_row("controller-1-mgmt", "192.168.204.4".parse()?));
    /// assert!(!relevance.wants_row("edge-1-mgmt", "192.168.204.9".parse()?));
    /// assert!(relevance.wants_mgmt_ip("192.168.204.4".parse()?));
    /// # Ok::<(), std::net::AddrParseError>(())
    /// ```
    pub fn wants_row(&mut self, name: &str, address: IpAddr) -> bool {
        let by_name = self.wants_row_name(name);
        let by_address = self.addresses.contains(&address);
        // Only a platform host takes a row's address as its own (checks 15 to 17 of it).
        if by_name && self.platform && !by_address {
            self.addresses.push(address);
        }
        by_name || by_address
    }

    /// The part of `ctx` that matters: its system, profile and networks, and the hosts and
    /// rows this relevance wants, in their order (errors name their positions in `ctx`).
    ///
    /// ```
    /// use edgeworker_core::context::{Context, Relevance};
    /// let ctx = Context::example();
    /// let small = Relevance::none().subset(&ctx)?;
    /// assert_eq!(small.hosts().len(), 2); // controller-0 and controller-1, by name
    /// assert_eq!(small.addresses().len(), 2); // controller-mgmt is nobody's: not wanted
    /// # Ok::<(), edgeworker_core::context::ContextError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// None for a context that was built (its parts are unique, so any part of them is).
    pub fn subset(mut self, ctx: &Context) -> Result<Context, ContextError> {
        let (mut rows, mut row_at): (Vec<AddressRow>, Vec<usize>) = (Vec::new(), Vec::new());
        for (i, row) in ctx.addresses().iter().enumerate() {
            if self.wants_row(&row.name, row.address) {
                rows.push(row.clone());
                row_at.push(i);
            }
        }
        let (mut hosts, mut host_at): (Vec<HostRecord>, Vec<usize>) = (Vec::new(), Vec::new());
        for (i, host) in ctx.hosts().iter().enumerate() {
            if self.wants_host(&HostKeys::of(host)) {
                hosts.push(host.clone());
                host_at.push(i);
            }
        }
        ContextParts {
            system: Some(ctx.system()),
            profile: Some(ctx.profile()),
            oam_family: ctx.oam_family(),
            cluster_host_network: ctx.cluster_host_network().cloned(),
            mgmt_network: Some(ctx.mgmt_network().clone()),
            hosts: Some(hosts),
            addresses: Some(rows),
        }
        .build_at(host_at, row_at)
    }
}

fn parse_ip(raw: &str) -> Option<IpAddr> {
    raw.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(json: &serde_json::Value) -> Relevance {
        Relevance::host_add(&HostAddRequest::from_value(json).unwrap())
    }

    #[test]
    fn a_request_wants_its_own_keys_only() {
        let r = add(&serde_json::json!({
            "hostname": "edge-1", "personality": "edgeworker", "mgmt_mac": "08-00-27-aa-00-09",
            "mgmt_ip": "192.168.204.9", "bm_ip": "10.0.0.9",
        }));
        assert!(r.wants_hostname("edge-1") && !r.wants_hostname("edge-2"));
        assert!(r.wants_hostname("controller-0") && r.wants_hostname("controller-1"));
        assert!(!r.wants_hostname("storage-0"));
        assert!(r.wants_mac(&"08-00-27-AA-00-09".parse().unwrap()));
        // Another separator is another MAC, as sysinv's lowercased strings are.
        assert!(!r.wants_mac(&"08:00:27:aa:00:09".parse().unwrap()));
        assert!(r.wants_mgmt_ip("192.168.204.9".parse().unwrap()));
        assert!(!r.wants_mgmt_ip("10.0.0.9".parse().unwrap()));
        assert!(r.wants_bm_ip("10.0.0.9".parse().unwrap()));
        // With a personality, check 0 does not run: no controller matters for being one.
        assert!(!r.wants_personality(Personality::Controller));
        assert!(!r.wants_personality(Personality::Storage));
        assert!(!r.wants_personality(Personality::Edgeworker));
        assert!(add(&serde_json::json!({})).wants_personality(Personality::Controller));
    }

    /// `reads` is exact: a field it leaves out can make no host wanted, whatever its value.
    #[test]
    fn a_field_not_read_decides_nothing() {
        let requests = [
            serde_json::json!({"hostname": "edge-1", "personality": "edgeworker", "mgmt_mac": "08:00:27:aa:00:09"}),
            serde_json::json!({"personality": "controller", "mgmt_mac": "08:00:27:aa:00:09"}),
            serde_json::json!({"personality": "storage", "mgmt_ip": "192.168.204.9"}),
            serde_json::json!({"hostname": "edge-1", "bm_ip": "10.0.0.9"}),
            serde_json::json!({}),
        ];
        let ips: [IpAddr; 3] = [
            "192.168.204.9".parse().unwrap(),
            "10.0.0.9".parse().unwrap(),
            "192.168.204.4".parse().unwrap(),
        ];
        for request in &requests {
            let mut r = add(request);
            r.wants_row("controller-1-mgmt", "192.168.204.4".parse().unwrap());
            if !r.reads(HostField::Personality) {
                assert!(
                    Personality::ALL.iter().all(|&p| !r.wants_personality(p)),
                    "{request}"
                );
            }
            if !r.reads(HostField::MgmtIp) {
                assert!(ips.iter().all(|&ip| !r.wants_mgmt_ip(ip)), "{request}");
            }
            if !r.reads(HostField::BmIp) {
                assert!(ips.iter().all(|&ip| !r.wants_bm_ip(ip)), "{request}");
            }
            if !r.reads_row_address() {
                let mut r = r.clone();
                for ip in ips {
                    assert!(!r.wants_row("nfs-mgmt", ip), "{request}");
                }
            }
        }
        let update = Relevance::host_update(&ChangeSet::from_json("{}").unwrap());
        assert!(!update.reads(HostField::Personality) && !update.reads(HostField::MgmtIp));
    }

    #[test]
    fn a_storage_host_wants_every_storage_host_and_name() {
        let r =
            add(&serde_json::json!({"personality": "storage", "mgmt_mac": "08:00:27:aa:00:09"}));
        assert!(r.wants_personality(Personality::Storage));
        assert!(r.wants_hostname("storage-12"));
        let mut r = r;
        assert!(r.wants_row("storage-3-mgmt", "192.168.204.40".parse().unwrap()));
        assert!(r.wants_mgmt_ip("192.168.204.40".parse().unwrap()));
    }

    #[test]
    fn rows_are_wanted_by_name_or_address() {
        let mut r = add(&serde_json::json!({"hostname": "edge-1", "mgmt_ip": "192.168.204.9"}));
        assert!(r.wants_row("edge-1-mgmt", "192.168.204.30".parse().unwrap()));
        assert!(r.wants_row("nfs-mgmt", "192.168.204.9".parse().unwrap()));
        assert!(!r.wants_row("edge-1-cluster-host", "192.168.206.30".parse().unwrap()));
        assert!(!r.wants_row("edge-2-mgmt", "192.168.204.31".parse().unwrap()));
        // An edgeworker's own row is its own: its holder is not looked up.
        assert!(!r.wants_mgmt_ip("192.168.204.30".parse().unwrap()));
        // A controller's is the platform's address for it, whose holder clashes.
        let mut r = add(&serde_json::json!({"personality": "controller"}));
        assert!(r.wants_row("controller-1-mgmt", "192.168.204.4".parse().unwrap()));
        assert!(r.wants_mgmt_ip("192.168.204.4".parse().unwrap()));
    }

    #[test]
    fn an_update_wants_its_new_name_and_bmc_address() {
        let changes = ChangeSet::from_json(
            r#"{"hostname": "edge-7", "bm_ip": "10.0.0.9", "bm_type": "ipmi"}"#,
        )
        .unwrap();
        let r = Relevance::host_update(&changes);
        assert!(r.wants_hostname("edge-7") && r.wants_hostname("controller-0"));
        assert!(r.wants_bm_ip("10.0.0.9".parse().unwrap()));
        assert!(!r.wants_hostname("edge-8"));
    }

    #[test]
    fn a_subset_names_the_whole_context_s_positions() {
        let host = |name: &str, mac: &str| HostRecord {
            hostname: crate::hostname::Hostname::parse(name).ok(),
            ..serde_json::from_value(serde_json::json!({"mgmt_mac": mac})).unwrap()
        };
        let parts = ContextParts {
            hosts: Some(vec![
                host("edge-1", "08:00:27:aa:00:01"),
                host("edge-1", "08:00:27:aa:00:02"),
            ]),
            ..ContextParts::default()
        };
        let err = parts.build_at(vec![4, 9], Vec::new()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "hosts[9].hostname: hostname edge-1 is already used by hosts[4]"
        );
    }
}
