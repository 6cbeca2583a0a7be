// R11: a Cargo build script: it would fork a sleeper and leave a mark.
// cylo compiles a single file with rustc, which never runs build.rs.
use std::process::Command;
fn main() {
    std::fs::write("/work/BUILD_RS_RAN", "yes").unwrap();
    Command::new("/usr/bin/sleep").arg("1000").spawn().unwrap();
}
