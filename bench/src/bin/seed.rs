//! Fills an empty Switchboard database with a large shared inbox: accounts, agents,
//! API inboxes and their members, contacts, conversations and messages, with set-based
//! SQL (one `INSERT … SELECT` per table over a numbers table) in one transaction, on
//! SQLite or PostgreSQL. The schema comes from the real migrations.
//!
//!   seed --database-url postgres://postgres@127.0.0.1:5432/sb_bench
//!   seed --database-url sqlite:/tmp/bench/switchboard.db
//!
//! Account 1 holds 80 % of the contacts (and so of the conversations and messages); the
//! other accounts share the rest. Prints `KEY=value` lines for scripts: the account id
//! and its administrator's `api_access_token`.

use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use clap::Parser;
use sqlx::AssertSqlSafe;
use switchboard_bench::{CLOSINGS, FIRST_NAMES, LAST_NAMES, OPENINGS};
use switchboard_store::{Backend, Db, DbOptions, Ex, exec, scalar};

#[derive(Parser, Debug)]
#[command(about = "Seed a large shared inbox into an empty Switchboard database")]
struct Args {
    /// postgres://… or sqlite:PATH, as the server takes it.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    #[arg(long, default_value_t = 4)]
    accounts: i64,
    /// Agents per account, besides its administrator.
    #[arg(long, default_value_t = 25)]
    agents: i64,
    /// API inboxes per account.
    #[arg(long, default_value_t = 5)]
    inboxes: i64,
    #[arg(long, default_value_t = 50_000)]
    contacts: i64,
    #[arg(long, default_value_t = 100_000)]
    conversations: i64,
    /// Rounded down to a whole number per conversation.
    #[arg(long, default_value_t = 1_000_000)]
    messages: i64,
}

/// The SQL that differs between the two databases.
struct Dialect(Backend);

impl Dialect {
    /// A timestamp from unix seconds.
    fn ts(&self, secs: &str) -> String {
        match self.0 {
            Backend::Postgres => format!("to_timestamp({secs})"),
            Backend::Sqlite => format!("(({secs}) * 1000)"),
        }
    }

    /// A unique, well-formed UUID from an integer.
    fn uuid(&self, n: &str) -> String {
        match self.0 {
            Backend::Postgres => format!(
                "(lpad(to_hex({n}), 8, '0') || '-0000-4000-8000-' || lpad(to_hex({n}), 12, '0'))::uuid"
            ),
            Backend::Sqlite => format!("printf('%08x-0000-4000-8000-%012x', {n}, {n})"),
        }
    }

    fn fill_numbers(&self, max: i64) -> String {
        match self.0 {
            Backend::Postgres => {
                format!("INSERT INTO bench_seq (n) SELECT generate_series(1, {max})")
            }
            Backend::Sqlite => format!(
                "INSERT INTO bench_seq (n) WITH RECURSIVE s(n) AS \
                 (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {max}) SELECT n FROM s"
            ),
        }
    }
}

async fn run(mut ex: Ex<'_>, sql: String) -> anyhow::Result<u64> {
    Ok(exec!(ex.re(), AssertSqlSafe(sql))?)
}

/// A small lookup table `name (i, v)` of `words`, for joins on `i = expr % len`.
fn words_table(name: &str, words: &[&str]) -> [String; 2] {
    let values: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| format!("({i}, '{}')", w.replace('\'', "''")))
        .collect();
    [
        format!("CREATE TABLE {name} (i BIGINT PRIMARY KEY, v VARCHAR NOT NULL)"),
        format!("INSERT INTO {name} (i, v) VALUES {}", values.join(", ")),
    ]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    if a.accounts < 1 || a.inboxes < 1 || a.agents < 1 || a.contacts < a.accounts {
        bail!("need at least one account, inbox and agent, and a contact per account");
    }
    let db = match a.database_url.strip_prefix("sqlite:") {
        Some(path) => {
            let path = Path::new(path.trim_start_matches("//"));
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            Db::open_sqlite(path).await?
        }
        None => Db::connect_postgres(&a.database_url, &DbOptions::default()).await?,
    };
    db.migrate().await.context("migrations")?;
    let d = Dialect(db.backend());
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
    let per = (a.messages / a.conversations).max(1);
    let (acc, ag, inb, ct, cv) = (a.accounts, a.agents, a.inboxes, a.contacts, a.conversations);
    let token_prefix = uuid::Uuid::new_v4().simple().to_string();
    let flags = switchboard_domain::features::default_flags();

    let mut tx = db.begin().await?;
    let existing: i64 = scalar!(one, tx.ex(), "SELECT COUNT(*) FROM accounts")?;
    if existing > 0 {
        bail!("the database already has accounts; seed an empty one");
    }

    // Expressions shared by several tables. `n` is the row's number.
    let account_of_contact = if acc == 1 {
        "1".to_string()
    } else {
        format!(
            "CASE WHEN n % 10 < 8 THEN 1 ELSE 2 + (n / 10) % {} END",
            acc - 1
        )
    };
    let admin_of = |account: &str| format!("(({account}) - 1) * {} + 1", ag + 1);
    // A year of conversations, the newest 11 hours old at most; messages `gap` apart.
    let conv_created = format!("({now} - 40000 - ({cv} - n) * 31536000 / {cv})");
    let gap = "(60 + (n * 37) % 3600)";
    let conv_last = format!("({conv_created} + {} * {gap})", per - 1);
    // The newest tenth is mostly open; older conversations mostly resolved.
    let status = format!(
        "CASE WHEN (n > {cv} * 9 / 10 AND (n * 7919) % 100 < 60) OR (n * 7919) % 100 < 5 THEN 0 \
         WHEN (n * 7919) % 100 < 93 THEN 1 WHEN (n * 7919) % 100 < 97 THEN 2 ELSE 3 END"
    );

    let mut steps: Vec<(&str, String)> = vec![
        (
            "numbers",
            "CREATE TABLE bench_seq (n BIGINT PRIMARY KEY)".into(),
        ),
        (
            "numbers",
            d.fill_numbers(
                cv.max(ct)
                    .max(per * cv)
                    .max(acc * (ag + 1) * 2)
                    .max(acc * inb),
            ),
        ),
    ];
    for (name, words) in [
        ("bench_first", FIRST_NAMES),
        ("bench_last", LAST_NAMES),
        ("bench_opening", OPENINGS),
        ("bench_closing", CLOSINGS),
    ] {
        for sql in words_table(name, words) {
            steps.push(("words", sql));
        }
    }
    let t0 = d.ts(&now.to_string());
    steps.extend([
        ("accounts", format!(
            "INSERT INTO accounts (id, name, locale, feature_flags, status, created_at, updated_at) \
             SELECT n, 'Bench ' || n, 0, {flags}, 0, {t0}, {t0} FROM bench_seq WHERE n <= {acc}"
        )),
        ("users", format!(
            "INSERT INTO users (id, provider, uid, name, email, pubsub_token, availability, confirmed_at, created_at, updated_at) \
             SELECT n, 'email', e, nm, e, 'bench-pubsub-' || n, 0, {t0}, {t0}, {t0} FROM ( \
               SELECT n, CASE WHEN (n - 1) % {g1} = 0 THEN 'admin' || (1 + (n - 1) / {g1}) || '@bench.test' \
                              ELSE 'agent' || (1 + (n - 1) / {g1}) || '-' || ((n - 1) % {g1}) || '@bench.test' END AS e, \
                         CASE WHEN (n - 1) % {g1} = 0 THEN 'Admin ' || (1 + (n - 1) / {g1}) \
                              ELSE 'Agent ' || (1 + (n - 1) / {g1}) || '-' || ((n - 1) % {g1}) END AS nm \
               FROM bench_seq WHERE n <= {users}) u",
            g1 = ag + 1, users = acc * (ag + 1)
        )),
        ("account_users", format!(
            "INSERT INTO account_users (id, account_id, user_id, role, availability, auto_offline, created_at, updated_at) \
             SELECT n, 1 + (n - 1) / {g1}, n, CASE WHEN (n - 1) % {g1} = 0 THEN 1 ELSE 0 END, 0, TRUE, {t0}, {t0} \
             FROM bench_seq WHERE n <= {users}",
            g1 = ag + 1, users = acc * (ag + 1)
        )),
        ("access_tokens", format!(
            "INSERT INTO access_tokens (id, owner_type, owner_id, token, created_at, updated_at) \
             SELECT n, 'User', n, '{token_prefix}' || n, {t0}, {t0} FROM bench_seq WHERE n <= {users}",
            users = acc * (ag + 1)
        )),
        ("channel_api", format!(
            "INSERT INTO channel_api (id, account_id, identifier, hmac_token, hmac_mandatory, created_at, updated_at) \
             SELECT n, 1 + (n - 1) / {inb}, 'bench-api-' || n, 'bench-hmac-' || n, FALSE, {t0}, {t0} \
             FROM bench_seq WHERE n <= {total}",
            total = acc * inb
        )),
        ("inboxes", format!(
            "INSERT INTO inboxes (id, channel_id, account_id, name, channel_type, created_at, updated_at) \
             SELECT n, n, 1 + (n - 1) / {inb}, 'Support ' || (1 + (n - 1) % {inb}), 'Channel::Api', {t0}, {t0} \
             FROM bench_seq WHERE n <= {total}",
            total = acc * inb
        )),
        // Each agent is a member of two inboxes of their account (one when there is one).
        ("inbox_members", format!(
            "INSERT INTO inbox_members (user_id, inbox_id, created_at, updated_at) \
             SELECT (g / {ag}) * {g1} + 2 + g % {ag}, (g / {ag}) * {inb} + 1 + (g % {ag} + k) % {inb}, {t0}, {t0} \
             FROM (SELECT (n - 1) / 2 AS g, (n - 1) % 2 AS k FROM bench_seq WHERE n <= {rows}) m \
             WHERE k = 0 OR {inb} > 1",
            g1 = ag + 1, rows = acc * ag * 2
        )),
        ("contacts", format!(
            "INSERT INTO contacts (id, name, email, phone_number, account_id, last_activity_at, contact_type, blocked, created_at, updated_at) \
             SELECT n, f.v || ' ' || l.v, LOWER(f.v) || '.' || LOWER(l.v) || n || '@example' || (n % 10) || '.com', \
                    '+1555' || (1000000 + n), {account_of_contact}, {last}, 0, FALSE, {created}, {created} \
             FROM bench_seq JOIN bench_first f ON f.i = n % {lf} JOIN bench_last l ON l.i = (n / 7) % {ll} \
             WHERE n <= {ct}",
            lf = FIRST_NAMES.len(), ll = LAST_NAMES.len(),
            created = d.ts(&format!("{now} - 34560000 + n * 31536000 / {ct}")),
            last = d.ts(&format!("{now} - (n * 37) % 2592000")),
        )),
        ("contact_inboxes", format!(
            "INSERT INTO contact_inboxes (id, contact_id, inbox_id, source_id, hmac_verified, pubsub_token, created_at, updated_at) \
             SELECT c.id, c.id, (c.account_id - 1) * {inb} + 1 + c.id % {inb}, {src}, FALSE, 'bench-ci-' || c.id, \
                    c.created_at, c.created_at \
             FROM contacts c",
            src = d.uuid("c.id"),
        )),
        ("conversations", format!(
            "INSERT INTO conversations (id, account_id, inbox_id, status, assignee_id, created_at, updated_at, contact_id, \
               display_id, agent_last_seen_at, contact_inbox_id, uuid, last_activity_at, priority) \
             SELECT n, account_id, inbox_id, st, \
                    CASE WHEN (n * 31) % 10 < 3 THEN NULL ELSE {admin} + 1 + (n * 17) % {ag} END, \
                    {created}, {last}, contact_id, ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY n), \
                    CASE WHEN st = 1 THEN {last} ELSE {half} END, contact_id, {uuid}, {last}, \
                    CASE WHEN n % 10 = 0 THEN (n / 10) % 4 END \
             FROM (SELECT s.n, c.account_id, ci.inbox_id, c.id AS contact_id, {status} AS st \
                   FROM bench_seq s JOIN contacts c ON c.id = 1 + (s.n - 1) % {ct} \
                   JOIN contact_inboxes ci ON ci.id = c.id WHERE s.n <= {cv}) x",
            admin = admin_of("account_id"),
            created = d.ts(&conv_created),
            last = d.ts(&conv_last),
            half = d.ts(&format!("{conv_created} + {} * {gap}", per / 2)),
            uuid = d.uuid("n"),
        )),
        // `per` messages a conversation, alternating incoming and outgoing; a resolved
        // conversation ends with Chatwoot's activity message.
        ("messages", format!(
            "INSERT INTO messages (id, content, account_id, inbox_id, conversation_id, message_type, created_at, updated_at, \
               private, status, content_type, sender_type, sender_id, processed_message_content) \
             SELECT m, body, account_id, inbox_id, id, mt, {created}, {created}, FALSE, 0, 0, \
                    CASE mt WHEN 0 THEN 'Contact' WHEN 1 THEN 'User' END, \
                    CASE mt WHEN 0 THEN contact_id WHEN 1 THEN COALESCE(assignee_id, {admin}) END, body \
             FROM (SELECT s.n AS m, c.id AS n, (s.n - 1) % {per} AS i, c.id, c.account_id, c.inbox_id, c.contact_id, c.assignee_id, \
                          CASE WHEN (s.n - 1) % {per} = {last_i} AND c.status = 1 THEN 2 \
                               WHEN (s.n - 1) % {per} % 2 = 0 THEN 0 ELSE 1 END AS mt, \
                          CASE WHEN (s.n - 1) % {per} = {last_i} AND c.status = 1 THEN 'Conversation was marked resolved' \
                               ELSE o.v || ' order #' || (1000 + (c.id * 7919) % 99000) || '. ' || cl.v END AS body \
                   FROM bench_seq s JOIN conversations c ON c.id = 1 + (s.n - 1) / {per} \
                   JOIN bench_opening o ON o.i = (s.n * 13) % {lo} JOIN bench_closing cl ON cl.i = (s.n * 7) % {lc} \
                   WHERE s.n <= {total}) x",
            created = d.ts(&format!("{conv_created} + i * {gap}")),
            admin = admin_of("account_id"),
            last_i = per - 1,
            lo = OPENINGS.len(), lc = CLOSINGS.len(),
            total = per * cv,
        )),
        ("counters", "UPDATE accounts SET last_display_id = \
             (SELECT COUNT(*) FROM conversations c WHERE c.account_id = accounts.id)".into()),
    ]);
    for t in [
        "bench_seq",
        "bench_first",
        "bench_last",
        "bench_opening",
        "bench_closing",
    ] {
        steps.push(("cleanup", format!("DROP TABLE {t}")));
    }
    if d.0 == Backend::Postgres {
        // Rows came with their ids; the identity columns carry on after them.
        for t in [
            "accounts",
            "users",
            "account_users",
            "access_tokens",
            "channel_api",
            "inboxes",
            "inbox_members",
            "contacts",
            "contact_inboxes",
            "conversations",
            "messages",
        ] {
            steps.push(("identities", format!(
                "SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM {t}), false)"
            )));
        }
    }
    for (label, sql) in steps {
        let t = Instant::now();
        let rows = run(tx.ex(), sql).await.with_context(|| label.to_string())?;
        eprintln!(
            "{label:>16}: {rows:>9} rows in {:>6.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    let t = Instant::now();
    tx.commit().await?;
    eprintln!("{:>16}: {:>6.1} s", "commit", t.elapsed().as_secs_f64());

    // Statistics for the planner (and, on PostgreSQL, the visibility map that lets
    // counts use index-only scans), outside the transaction as VACUUM needs.
    let t = Instant::now();
    let (messages, main): (i64, i64) = match &db {
        Db::Pg(pool) => {
            sqlx::query("VACUUM ANALYZE").execute(pool).await?;
            (
                sqlx::query_scalar("SELECT COUNT(*) FROM messages")
                    .fetch_one(pool)
                    .await?,
                sqlx::query_scalar("SELECT last_display_id FROM accounts WHERE id = 1")
                    .fetch_one(pool)
                    .await?,
            )
        }
        Db::Sqlite { writer, .. } => {
            sqlx::query("ANALYZE").execute(writer).await?;
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(writer)
                .await?;
            (
                sqlx::query_scalar("SELECT COUNT(*) FROM messages")
                    .fetch_one(writer)
                    .await?,
                sqlx::query_scalar("SELECT last_display_id FROM accounts WHERE id = 1")
                    .fetch_one(writer)
                    .await?,
            )
        }
    };
    eprintln!("{:>16}: {:>6.1} s", "analyze", t.elapsed().as_secs_f64());
    db.close().await;
    println!("ACCOUNT_ID=1");
    println!("ACCOUNT_CONVERSATIONS={main}");
    println!("TOKEN={token_prefix}1");
    println!("MESSAGES={messages}");
    Ok(())
}
