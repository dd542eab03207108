//! `sqlx::migrate!` embeds the migration files at compile time, but cargo does not know
//! to rebuild when a file is added; this tells it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
