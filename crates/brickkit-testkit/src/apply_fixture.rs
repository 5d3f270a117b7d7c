//! The **apply fixture**: a small declared tree (`tests/fixtures/apply/tree/`, environment
//! `dev`, 20 securables, no conventions) and the `ucsim` seed of a workspace that has drifted
//! from it so that `brickkit drift plan` plans every kind of operation — for the tests of
//! `drift apply` (issue #14) and of ucsim's write paths.
//!
//! What the plan holds against [`seed`]:
//!
//! - **create** of every securable kind: catalog `néw%cat` with schema ``s`1`` and volume
//!   `v'1`; schema `new_sch` and volume `new_vol` in an existing catalog; function `m'ask_new`
//!   (`CREATE FUNCTION` with `COMMENT`); table ``new`t`` (`create: true`: `CREATE TABLE` with a
//!   column `MASK` on that new function and `WITH ROW FILTER`, then its tags, column tags,
//!   grants and owner); storage credential `new_cred` (an `aws_iam_role` block); external
//!   location `new_loc` on it; connection `new_conn`, whose `password` option is
//!   `${env:`[`SECRET_VAR`]`}`.
//! - **set_comment** by REST `PATCH` (catalog, schema, volume, storage credential, external
//!   location) and by `COMMENT ON` (table ``t%ab\le``, connection `old_conn`).
//! - **set_owner** by REST `PATCH` (catalog, schema, table, volume, function, credential,
//!   location) and `ALTER CONNECTION ... OWNER TO` (`old_conn`).
//! - **update_grants** with `add` and `remove` in one `PATCH` (catalog, schema, table, storage
//!   credential, external location), add only (function, volume, connection).
//! - **set_tags** / **unset_tags** on a catalog, a table and columns; **set_row_filter** and
//!   **set_mask** on ``t%ab\le``, **drop_mask** on its column `a/b c`, **drop_row_filter** on
//!   `filtered`.
//!
//! **Hostile names and values**, within what Unity Catalog allows: securable names hold
//! backticks, single quotes, a backslash, `%` and non-ASCII letters (never `.`, space, `/` or
//! control characters, which UC refuses in names — `crates/ucsim/src/names.rs`); column names
//! hold spaces, `/`, backticks and double quotes; tag values and comments hold single and
//! double quotes, backslashes, `/`, `%`, spaces and non-ASCII; tag keys a quote and a space
//! (never `. , - = / :`, which UC refuses in tag keys — API reference §9.1). Principals hold a
//! quote and spaces.
//!
//! Pure data: the seed is built in memory; [`tree`] only names the directory.

use std::path::PathBuf;

use serde_json::{Value, json};

/// The environment the tree is planned for.
pub const ENV: &str = "dev";

/// The environment variable `new_conn`'s `password` option references.
pub const SECRET_VAR: &str = "BRICKKIT_FIXTURE_PG_PASSWORD";

/// A value for [`SECRET_VAR`] (quotes and a backslash: it travels in a JSON body).
pub const SECRET_VALUE: &str = "pa'ss\"w\\rd-ünï";

/// Every principal the tree's and the seed's grants and owners name (users by e-mail,
/// groups by display name); [`seed`] declares them in its directory.
pub const USERS: [&str; 2] = ["o'neil@example.com", "bob@example.com"];
/// See [`USERS`].
pub const GROUPS: [&str; 3] = ["analysts", "Data Eng Team", "old team"];

/// The declared tree (a directory holding `brickkit.yaml`).
pub fn tree() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/apply/tree")
}

/// The drifted workspace, as a ucsim seed document (`crates/ucsim/src/seed.rs`). Each
/// comment says what the plan does about the drift next to it.
pub fn seed() -> Value {
    let users: Vec<Value> = USERS.iter().map(|u| json!({"user_name": u})).collect();
    let groups: Vec<Value> = GROUPS.iter().map(|g| json!({"display_name": g})).collect();
    json!({
        "format_version": 1,
        "principals": {"users": users, "groups": groups},
        "storage_credentials": [{
            // comment + owner PATCH; grants: add to Data Eng Team, remove analysts'.
            "name": "old_cred", "comment": "stale", "owner": "old team",
            "aws_iam_role": {"role_arn": "arn:aws:iam::123456789012:role/old"},
            "grants": {"analysts": ["CREATE_EXTERNAL_LOCATION"]}
        }],
        "external_locations": [{
            // comment + owner PATCH; grants: remove WRITE_FILES from analysts.
            "name": "old_loc", "url": "s3://fixture-old/landing/", "credential_name": "old_cred",
            "comment": "stale", "owner": "old team",
            "grants": {"analysts": ["READ_FILES", "WRITE_FILES"]}
        }],
        "connections": [{
            // COMMENT ON CONNECTION, ALTER CONNECTION ... OWNER TO; grants: add.
            "name": "old_conn", "connection_type": "POSTGRESQL", "comment": "stale",
            "owner": "old team",
            "options": {"host": "old-db.internal", "port": "5432", "password": "hunter2"}
        }],
        "catalogs": [{
            // comment + owner PATCH; SET TAGS (env, q'k), UNSET TAGS (extra); grants: add
            // BROWSE to analysts and USE_CATALOG to o'neil, remove bob's.
            "name": "dr`ift_çat", "comment": "stale", "owner": "old team",
            "tags": {"env": "stale", "extra": "it's \"extra\""},
            "grants": {"analysts": ["USE_CATALOG"], "bob@example.com": ["BROWSE"]},
            "schemas": [{
                // comment + owner PATCH; grants: remove MODIFY.
                "name": "s'chéma", "owner": "old team",
                "tags": {"tier": "gold \"plus\""},
                "grants": {"analysts": ["USE_SCHEMA", "SELECT", "MODIFY"]},
                "functions": [
                    // owner PATCH; grants: add EXECUTE for account users.
                    {"name": "f`ilter", "owner": "old team", "data_type": "BOOLEAN",
                     "full_data_type": "BOOLEAN", "routine_body": "SQL",
                     "routine_definition": "c <> 'x'",
                     "input_params": {"parameters": [{"name": "c", "type_text": "string",
                         "type_name": "STRING", "position": 0}]}},
                    {"name": "m`ask", "data_type": "STRING", "full_data_type": "STRING",
                     "routine_body": "SQL", "routine_definition": "'***'",
                     "input_params": {"parameters": [{"name": "v", "type_text": "string",
                         "type_name": "STRING", "position": 0}]}}
                ],
                "tables": [
                    {
                        // COMMENT ON TABLE; owner PATCH; SET TAGS (tier, sp ace), UNSET TAGS
                        // (gone); SET ROW FILTER; column e`mail "x": SET TAGS + SET MASK;
                        // column a/b c: UNSET TAGS + DROP MASK; grants: remove MODIFY from
                        // analysts and bob's SELECT, add o'neil's.
                        "name": "t%ab\\le", "table_type": "MANAGED", "data_source_format": "DELTA",
                        "comment": "stale", "owner": "old team",
                        "tags": {"tier": "silver", "gone": "bye"},
                        "columns": [
                            {"name": "e`mail \"x\"", "type_text": "string", "tags": {"pii": "old"}},
                            {"name": "a/b c", "type_text": "string", "tags": {"old": "x"},
                             "mask": {"function_name": "dr`ift_çat.s'chéma.m`ask",
                                      "using_column_names": []}},
                            {"name": "first name", "type_text": "string"}
                        ],
                        "grants": {"analysts": ["SELECT", "MODIFY"], "bob@example.com": ["SELECT"]}
                    },
                    {
                        // DROP ROW FILTER.
                        "name": "filtered", "table_type": "MANAGED", "data_source_format": "DELTA",
                        "columns": [{"name": "region", "type_text": "string"}],
                        "row_filter": {"function_name": "dr`ift_çat.s'chéma.f`ilter",
                                       "input_column_names": ["region"]}
                    }
                ],
                "volumes": [{
                    // comment + owner PATCH; SET TAGS (k); grants: add.
                    "name": "vol'ume", "volume_type": "MANAGED", "comment": "stale",
                    "owner": "old team", "tags": {"k": "v"}
                }]
            }]
        }]
    })
}
