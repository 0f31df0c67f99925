// `sqlx::migrate!` reads migrations/postgres at compile time: rebuild the
// crate when a migration is added or changed (stable Rust cannot track the
// directory from inside the macro).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
