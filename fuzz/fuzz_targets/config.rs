#![no_main]
//! .tftsr.toml parsing and compiling; errors never quote a value (see check_config).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tftsr_fuzz::fuzz_engine::check_config(data);
});
