//! MAC addresses: parse never panics; display → parse is the identity; the display is the
//! lowercased input (sysinv's stored form) whenever the input parses.
#![no_main]

use edgeworker_core::mac::MacAddress;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(mac) = MacAddress::parse(text) {
        let shown = mac.to_string();
        assert_eq!(shown, text.to_ascii_lowercase());
        assert_eq!(MacAddress::parse(&shown), Ok(mac));
    }
});
