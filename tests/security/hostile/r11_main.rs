// R11: the program itself: did build.rs run, is anything else running?
fn main() {
    let ran = std::path::Path::new("/work/BUILD_RS_RAN").exists();
    println!("build.rs ran: {}", if ran { "yes" } else { "no" });
    let mut others = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap() {
        let n = e.unwrap().file_name().into_string().unwrap();
        if n.chars().all(|c| c.is_ascii_digit()) && n != std::process::id().to_string() {
            others.push(n);
        }
    }
    println!("other processes: {}", if others.is_empty() { "none".to_string() } else { others.join(" ") });
}
