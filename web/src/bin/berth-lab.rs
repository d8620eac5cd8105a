//! The lifecycle lab's entry point (built by Trunk from `web/lab.html`, served as `/lab`).
fn main() {
    berth_web::run_lab();
}
