//! No two sibling modules of any crate of the workspace import each other (`tools/check_cycles.py`).

use std::path::Path;
use std::process::Command;

#[test]
fn no_module_of_any_crate_imports_a_sibling_that_imports_it_back() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = crate_dir.join("../../tools/check_cycles.py");
    let output = Command::new("python3")
        .arg(&script)
        .current_dir(crate_dir.join("../.."))
        .output()
        .expect("python3 runs tools/check_cycles.py");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(stdout.trim(), "no circles between sibling modules");
}
