//! The operating systems an edgeworker may run: one row per supported release.
//!
//! Everything that differs between distributions lives in these rows and in the
//! [`PackageManager`] and [`OsFamily`] they name, so no step builder tests distribution names.

use std::fmt;

use serde::Serialize;

/// The two families whose tooling the steps differ by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OsFamily {
    /// Ubuntu and Debian: apt, systemd-networkd, `/etc/default/kubelet`.
    DebianLike,
    /// CentOS, CentOS Stream, Rocky, AlmaLinux, Fedora: yum/dnf, `NetworkManager`, `SELinux`,
    /// `/etc/sysconfig/kubelet`.
    RhelLike,
}

impl OsFamily {
    /// Where the kubelet's packaged unit reads `KUBELET_EXTRA_ARGS` from.
    #[must_use]
    pub fn kubelet_env_file(self) -> &'static str {
        match self {
            Self::DebianLike => "/etc/default/kubelet",
            Self::RhelLike => "/etc/sysconfig/kubelet",
        }
    }

    /// chrony's configuration file.
    #[must_use]
    pub fn chrony_conf(self) -> &'static str {
        match self {
            Self::DebianLike => "/etc/chrony/chrony.conf",
            Self::RhelLike => "/etc/chrony.conf",
        }
    }

    /// chrony's service name.
    #[must_use]
    pub fn chrony_service(self) -> &'static str {
        match self {
            Self::DebianLike => "chrony",
            Self::RhelLike => "chronyd",
        }
    }

    /// The package-repository flavour of `pkgs.k8s.io`.
    #[must_use]
    pub fn k8s_repo_kind(self) -> &'static str {
        match self {
            Self::DebianLike => "deb",
            Self::RhelLike => "rpm",
        }
    }
}

/// The package manager a release uses.
///
/// ```
/// use edgeworker_core::plan::PackageManager;
/// assert_eq!(PackageManager::Apt.as_str(), "apt");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PackageManager {
    /// Debian and Ubuntu.
    Apt,
    /// CentOS 7.
    Yum,
    /// CentOS Stream, Rocky, AlmaLinux, Fedora.
    Dnf,
}

impl PackageManager {
    /// Every package manager, in a fixed order (renderers emit one branch per manager).
    pub const ALL: [Self; 3] = [Self::Apt, Self::Yum, Self::Dnf];

    /// The manager's name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Apt => "apt",
            Self::Yum => "yum",
            Self::Dnf => "dnf",
        }
    }

    /// The family of the releases using this manager.
    #[must_use]
    pub fn family(self) -> OsFamily {
        match self {
            Self::Apt => OsFamily::DebianLike,
            Self::Yum | Self::Dnf => OsFamily::RhelLike,
        }
    }

    /// The main configuration file, where a package proxy is set (apt uses a drop-in).
    #[must_use]
    pub fn proxy_file(self) -> &'static str {
        match self {
            Self::Apt => "/etc/apt/apt.conf.d/95edgeworker-proxy",
            Self::Yum => "/etc/yum.conf",
            Self::Dnf => "/etc/dnf/dnf.conf",
        }
    }
}

impl fmt::Display for PackageManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which release fact of the node identifies the release: Ubuntu releases are `22.04`,
/// the others are known by their major version (`12`, `9`) while the node reports `12.5`, `9.4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseMatch {
    /// The full version (`22.04`).
    Full,
    /// The major version only.
    Major,
}

/// Where containerd (at least 1.6) comes from on a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum ContainerdSource {
    /// The distribution's own `containerd` package.
    Distribution,
    /// Docker's `containerd.io` package from `download.docker.com/linux/<distro>`: the
    /// distribution has none, or one older than 1.6.
    Docker {
        /// The directory under `download.docker.com/linux/`.
        distro: &'static str,
        /// The release codename, for apt repositories.
        codename: Option<&'static str>,
    },
}

/// One supported release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OsRelease {
    /// The `ID` of `/etc/os-release` (`ubuntu`, `rocky`).
    pub id: &'static str,
    /// The release as given in node facts (`22.04`, `9`).
    pub version: &'static str,
    /// A human name (`Ubuntu 22.04 LTS`).
    pub name: &'static str,
    /// The family.
    pub family: OsFamily,
    /// The package manager.
    pub packages: PackageManager,
    /// How the node's reported version is compared with [`OsRelease::version`].
    pub release_match: ReleaseMatch,
    /// Where containerd comes from.
    pub containerd: ContainerdSource,
    /// The release's own `python3` (major, minor): what Ansible runs its modules with.
    pub system_python: (u8, u8),
}

/// The first Python whose targets ansible-base 2.10 (StarlingX's controllers) cannot manage:
/// its bundled `six` imports through an importer API Python 3.12 removed, so every module
/// fails to start there (tried: Debian 12's 3.11 works, 3.12 and 3.13 fail).
pub const PYTHON_BEYOND_ANSIBLE_2_10: (u8, u8) = (3, 12);

/// The ansible-core release that manages Python 3.12 and later targets (the tested pin).
pub const ANSIBLE_FOR_NEW_PYTHON: &str = "2.16";

impl OsRelease {
    /// The oldest Ansible that can run modules on this release's Python, when that is newer
    /// than the controllers' ansible-base 2.10.
    ///
    /// ```
    /// use edgeworker_core::plan::find_os;
    /// assert_eq!(find_os("ubuntu", "24.04").unwrap().minimum_ansible(), Some("2.16"));
    /// assert_eq!(find_os("debian", "12").unwrap().minimum_ansible(), None);
    /// ```
    #[must_use]
    pub fn minimum_ansible(&self) -> Option<&'static str> {
        (self.system_python >= PYTHON_BEYOND_ANSIBLE_2_10).then_some(ANSIBLE_FOR_NEW_PYTHON)
    }

    /// What the step builders read from a release: releases with the same profile get the
    /// same steps.
    #[must_use]
    pub fn profile(&self) -> OsProfile {
        OsProfile {
            packages: self.packages,
            containerd: self.containerd,
        }
    }
}

/// The part of a release the steps depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct OsProfile {
    /// The package manager (and so the family).
    pub packages: PackageManager,
    /// Where containerd comes from.
    pub containerd: ContainerdSource,
}

impl OsProfile {
    /// The family.
    #[must_use]
    pub fn family(self) -> OsFamily {
        self.packages.family()
    }

    /// A short stable key (`apt`, `apt-docker-debian`), naming the profile in renderings.
    #[must_use]
    pub fn key(self) -> String {
        match self.containerd {
            ContainerdSource::Distribution => self.packages.as_str().to_owned(),
            ContainerdSource::Docker { distro, .. } => format!("{}-docker-{distro}", self.packages),
        }
    }
}

const fn row(
    id: &'static str,
    version: &'static str,
    name: &'static str,
    packages: PackageManager,
    release_match: ReleaseMatch,
    containerd: ContainerdSource,
    system_python: (u8, u8),
) -> OsRelease {
    let family = match packages {
        PackageManager::Apt => OsFamily::DebianLike,
        PackageManager::Yum | PackageManager::Dnf => OsFamily::RhelLike,
    };
    OsRelease {
        id,
        version,
        name,
        family,
        packages,
        release_match,
        containerd,
        system_python,
    }
}

use PackageManager::{Apt, Dnf, Yum};
use ReleaseMatch::{Full, Major};

const DISTRO: ContainerdSource = ContainerdSource::Distribution;
const DOCKER_CENTOS: ContainerdSource = ContainerdSource::Docker {
    distro: "centos",
    codename: None,
};
const DOCKER_FEDORA: ContainerdSource = ContainerdSource::Docker {
    distro: "fedora",
    codename: None,
};
/// Debian 11 ships containerd 1.4.
const DOCKER_BULLSEYE: ContainerdSource = ContainerdSource::Docker {
    distro: "debian",
    codename: Some("bullseye"),
};

/// Every supported release. CentOS 8 and 9 are CentOS Stream (their `/etc/os-release` says
/// `ID=centos`).
pub const SUPPORTED: &[OsRelease] = &[
    row(
        "ubuntu",
        "20.04",
        "Ubuntu 20.04 LTS",
        Apt,
        Full,
        DISTRO,
        (3, 8),
    ),
    row(
        "ubuntu",
        "22.04",
        "Ubuntu 22.04 LTS",
        Apt,
        Full,
        DISTRO,
        (3, 10),
    ),
    row(
        "ubuntu",
        "24.04",
        "Ubuntu 24.04 LTS",
        Apt,
        Full,
        DISTRO,
        (3, 12),
    ),
    row(
        "debian",
        "11",
        "Debian 11 (bullseye)",
        Apt,
        Major,
        DOCKER_BULLSEYE,
        (3, 9),
    ),
    row(
        "debian",
        "12",
        "Debian 12 (bookworm)",
        Apt,
        Major,
        DISTRO,
        (3, 11),
    ),
    row("centos", "7", "CentOS 7", Yum, Major, DOCKER_CENTOS, (3, 6)),
    row(
        "centos",
        "8",
        "CentOS Stream 8",
        Dnf,
        Major,
        DOCKER_CENTOS,
        (3, 6),
    ),
    row(
        "centos",
        "9",
        "CentOS Stream 9",
        Dnf,
        Major,
        DOCKER_CENTOS,
        (3, 9),
    ),
    row(
        "rocky",
        "8",
        "Rocky Linux 8",
        Dnf,
        Major,
        DOCKER_CENTOS,
        (3, 6),
    ),
    row(
        "rocky",
        "9",
        "Rocky Linux 9",
        Dnf,
        Major,
        DOCKER_CENTOS,
        (3, 9),
    ),
    row(
        "almalinux",
        "8",
        "AlmaLinux 8",
        Dnf,
        Major,
        DOCKER_CENTOS,
        (3, 6),
    ),
    row(
        "almalinux",
        "9",
        "AlmaLinux 9",
        Dnf,
        Major,
        DOCKER_CENTOS,
        (3, 9),
    ),
    row(
        "fedora",
        "40",
        "Fedora 40",
        Dnf,
        Major,
        DOCKER_FEDORA,
        (3, 12),
    ),
    row(
        "fedora",
        "41",
        "Fedora 41",
        Dnf,
        Major,
        DOCKER_FEDORA,
        (3, 13),
    ),
    row(
        "fedora",
        "42",
        "Fedora 42",
        Dnf,
        Major,
        DOCKER_FEDORA,
        (3, 13),
    ),
];

/// The row for `id` and `version`, comparing case-insensitively; a release written with its
/// minor (`9.4`, `12.5`) matches its major's row where the family is known by major.
///
/// ```
/// use edgeworker_core::plan::{find_os, OsFamily};
/// assert_eq!(find_os("Rocky", "9.4").unwrap().family, OsFamily::RhelLike);
/// assert_eq!(find_os("ubuntu", "22.04").unwrap().name, "Ubuntu 22.04 LTS");
/// assert!(find_os("ubuntu", "22.10").is_none());
/// assert!(find_os("windows", "11").is_none());
/// ```
#[must_use]
pub fn find_os(id: &str, version: &str) -> Option<&'static OsRelease> {
    let major = version.split_once('.').map_or(version, |(major, _)| major);
    SUPPORTED.iter().find(|row| {
        row.id.eq_ignore_ascii_case(id)
            && match row.release_match {
                Full => row.version == version,
                Major => {
                    row.version == major
                        && version
                            .get(major.len()..)
                            .is_some_and(|rest| rest.is_empty() || is_dotted_digits(rest))
                }
            }
    })
}

/// `.5`, `.5.1`: what may follow a major version.
fn is_dotted_digits(rest: &str) -> bool {
    rest.split('.')
        .skip(1)
        .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        && rest.starts_with('.')
}

/// The supported releases as one line, for error messages.
#[must_use]
pub fn supported_list() -> String {
    SUPPORTED
        .iter()
        .map(|row| format!("{} {}", row.id, row.version))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A CPU architecture, under its Debian name; the kernel's name is accepted as input.
///
/// ```
/// use edgeworker_core::plan::Arch;
/// assert_eq!(Arch::parse("aarch64"), Some(Arch::Arm64));
/// assert_eq!(Arch::parse("x86_64").map(Arch::kernel_name), Some("x86_64"));
/// assert_eq!(Arch::parse("riscv64"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Arch {
    /// `amd64` / `x86_64`.
    Amd64,
    /// `arm64` / `aarch64`.
    Arm64,
}

impl Arch {
    /// `amd64`, `x86_64`, `arm64` or `aarch64`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "amd64" | "x86_64" => Some(Self::Amd64),
            "arm64" | "aarch64" => Some(Self::Arm64),
            _ => None,
        }
    }

    /// The Debian name (`amd64`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Amd64 => "amd64",
            Self::Arm64 => "arm64",
        }
    }

    /// What the kernel (`uname -m`) and Ansible's `ansible_architecture` report.
    #[must_use]
    pub fn kernel_name(self) -> &'static str {
        match self {
            Self::Amd64 => "x86_64",
            Self::Arm64 => "aarch64",
        }
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debian_like_rows_use_apt_and_debian_paths() {
        for (id, version) in [
            ("ubuntu", "20.04"),
            ("ubuntu", "22.04"),
            ("ubuntu", "24.04"),
            ("debian", "11"),
            ("debian", "12"),
        ] {
            let row = find_os(id, version).unwrap();
            assert_eq!(row.family, OsFamily::DebianLike, "{id} {version}");
            assert_eq!(row.packages, PackageManager::Apt);
            assert_eq!(row.family.kubelet_env_file(), "/etc/default/kubelet");
            assert_eq!(row.family.k8s_repo_kind(), "deb");
        }
        assert_eq!(find_os("debian", "12.5").unwrap().version, "12");
        // Ubuntu is known by its full release: 22.04.3 is a point release of no row.
        assert!(find_os("ubuntu", "22").is_none());
        assert!(find_os("ubuntu", "22.04.3").is_none());
    }

    #[test]
    fn rhel_like_rows_use_yum_on_centos_7_and_dnf_elsewhere() {
        assert_eq!(
            find_os("centos", "7").unwrap().packages,
            PackageManager::Yum
        );
        assert_eq!(
            find_os("centos", "7.9.2009").unwrap().packages,
            PackageManager::Yum
        );
        for (id, version) in [
            ("centos", "8"),
            ("centos", "9"),
            ("rocky", "8"),
            ("rocky", "9.4"),
            ("almalinux", "8"),
            ("almalinux", "9"),
            ("fedora", "40"),
            ("fedora", "41"),
            ("fedora", "42"),
        ] {
            let row = find_os(id, version).unwrap();
            assert_eq!(row.family, OsFamily::RhelLike, "{id} {version}");
            assert_eq!(row.packages, PackageManager::Dnf, "{id} {version}");
            assert_eq!(row.family.kubelet_env_file(), "/etc/sysconfig/kubelet");
        }
    }

    #[test]
    fn near_misses_are_unsupported() {
        for (id, version) in [
            ("centos", "6"),
            ("rocky", "10"),
            ("rocky", "9."),
            ("rocky", "9.x"),
            ("rocky", "9..1"),
            ("debian", "10"),
            ("ubuntu", "18.04"),
            ("rhel", "9"),
            ("", ""),
            ("rocky", ""),
        ] {
            assert!(find_os(id, version).is_none(), "{id} {version}");
        }
    }

    #[test]
    fn the_supported_list_names_every_row() {
        let list = supported_list();
        assert!(list.starts_with("ubuntu 20.04, ubuntu 22.04"), "{list}");
        assert_eq!(list.matches(", ").count(), SUPPORTED.len() - 1);
    }
}
