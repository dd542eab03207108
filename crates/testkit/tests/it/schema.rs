//! The SQLite and PostgreSQL migrations must describe the same tables and columns.

use std::collections::BTreeMap;

use switchboard_store::Db;

type Schema = BTreeMap<String, Vec<String>>;

async fn sqlite_schema() -> Schema {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open_sqlite(&dir.path().join("parity.db"))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let Db::Sqlite { reader, .. } = &db else {
        unreachable!()
    };
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' ORDER BY m.name, p.cid",
    )
    .fetch_all(reader)
    .await
    .unwrap();
    group(rows)
}

fn group(rows: Vec<(String, String)>) -> Schema {
    let mut schema = Schema::new();
    for (table, column) in rows {
        schema.entry(table).or_default().push(column);
    }
    for cols in schema.values_mut() {
        cols.sort();
    }
    schema
}

#[tokio::test]
async fn sqlite_and_postgres_schemas_match() {
    let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
        eprintln!(
            "skipped: TEST_DATABASE_URL is not set, so there is no PostgreSQL to compare with"
        );
        return;
    };
    let sqlite = sqlite_schema().await;
    let storage = switchboard_testkit::Storage::new().await.unwrap();
    let db = storage.db().await.unwrap();
    let Db::Pg(pool) = &db else {
        panic!("TEST_DATABASE_URL={url} did not give PostgreSQL")
    };
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%' ORDER BY table_name, ordinal_position",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let postgres = group(rows);
    assert_eq!(
        sqlite.keys().collect::<Vec<_>>(),
        postgres.keys().collect::<Vec<_>>(),
        "tables differ"
    );
    for (table, cols) in &sqlite {
        assert_eq!(cols, &postgres[table], "columns of {table} differ");
    }
}

#[tokio::test]
async fn migration_file_names_match() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/migrations");
    let names = |d: &str| {
        let mut v: Vec<String> = std::fs::read_dir(root.join(d))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names("sqlite"), names("postgres"));
    assert!(!names("sqlite").is_empty());
}
