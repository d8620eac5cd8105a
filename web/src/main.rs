//! The berth web app's entry point (built by Trunk).
fn main() {
    berth_web::run();
}
