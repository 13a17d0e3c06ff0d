//! The CLI benchmark's helper and baseline (`scripts/bench`):
//!
//! - `context-floor write HOSTS FILE` writes [`edgeworker_benches::context`] of `HOSTS` hosts;
//! - `context-floor parse FILE` reads `FILE` and parses it into a `serde_json::Value`, and
//!   nothing else: the floor `edgeworker-cli validate --context FILE` is measured against,
//!   with the same process start and file read.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["write", hosts, file] => hosts
            .parse::<usize>()
            .map_err(|err| format!("{hosts}: {err}"))
            .and_then(|n| {
                std::fs::write(file, edgeworker_benches::context(n).to_string())
                    .map_err(|err| format!("{file}: {err}"))
            }),
        ["parse", file] => std::fs::read_to_string(file)
            .map_err(|err| format!("{file}: {err}"))
            .and_then(|text| {
                serde_json::from_str::<serde_json::Value>(&text)
                    .map(|value| drop(std::hint::black_box(value)))
                    .map_err(|err| format!("{file}: {err}"))
            }),
        _ => Err("usage: context-floor write HOSTS FILE | context-floor parse FILE".to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("context-floor: {message}");
            ExitCode::FAILURE
        }
    }
}
