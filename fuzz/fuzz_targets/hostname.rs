//! Host names: parse never panics; parse → display → parse is the identity; a parsed name
//! is exactly what the sysinv pattern accepts; the DNS check never panics.
#![no_main]

use edgeworker_core::hostname::{Hostname, MAX_LEN, is_hostname_char};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let expected_ok =
        !text.is_empty() && text.chars().all(is_hostname_char) && text.chars().count() <= MAX_LEN;
    match Hostname::parse(text) {
        Ok(name) => {
            assert!(expected_ok, "accepted {text:?}");
            let shown = name.to_string();
            assert_eq!(shown, text);
            assert_eq!(Hostname::parse(&shown).as_ref(), Ok(&name));
            let _ = name.dns_incompatibility();
        }
        Err(first) => {
            assert!(!expected_ok, "rejected {text:?}");
            assert_eq!(Hostname::problems(text).first(), Some(&first));
        }
    }
});
