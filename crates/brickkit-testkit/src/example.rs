//! The **example snapshot**: the observed state of the ACME `dev` workspace that
//! `examples/governance/` declares, with one deliberate drift of every kind. It is the
//! source of the checked-in `snapshots/example/` (see `snapshots/README.md`, which lists
//! the planted drift), and the README's main job diffs against it.
//!
//! Pure data, fixed id and timestamp: no IO, no clock. Everything that is not planted drift
//! matches the effective `dev` declared state exactly (resolved names and principals,
//! convention owners and default tags).

use std::collections::BTreeMap;

use brickkit::model::{PolicyArg, SecurableKind, Text, Timestamp};
use brickkit::state::digest::content_digest;
use brickkit::state::id::new_snapshot_id;
use brickkit::state::{
    CollectionIssue, ColumnMaskRow, ColumnRow, GrantRow, Manifest, RowFilterRow,
    SNAPSHOT_FORMAT_VERSION, SecurableRow, Snapshot, TagRow,
};

use SecurableKind::{
    Catalog, Connection, ExternalLocation, Function, Schema, StorageCredential, Table, Volume,
};

/// When the example snapshot was (notionally) taken.
pub fn example_taken_at() -> Timestamp {
    Timestamp::from_civil(2026, 11, 27, 6, 0, 0, 0)
}

const ETL: &str = "6f1a2b3c-0000-4000-8000-000000000001";
const BI_READER: &str = "6f1a2b3c-0000-4000-8000-0000000000b1";
const SALES_ANALYSTS: &str = "grp_sales_analysts_dev";
const FINANCE_ANALYSTS: &str = "grp_finance_analysts_dev";
const ACCOUNT_USERS: &str = "account users";
const REGION_FILTER: &str = "sales_dev.orders.region_filter";
const MASK_EMAIL: &str = "sales_dev.orders.mask_email";
const MASK_PHONE: &str = "sales_dev.customers.mask_phone";

#[derive(Default)]
struct B {
    s: Snapshot,
}

impl B {
    #[allow(clippy::too_many_arguments)]
    fn securable(
        &mut self,
        kind: SecurableKind,
        full_name: &str,
        owner: &str,
        comment: &str,
        securable_type: Option<&str>,
        location: Option<&str>,
        day: u32,
    ) -> &mut SecurableRow {
        let parent = kind
            .parent_kind()
            .and_then(|_| full_name.rsplit_once('.').map(|(p, _)| p.to_string()));
        let created = Timestamp::from_civil(2026, 3, day, 9, 30, 0, 0);
        self.s.securables.push(SecurableRow {
            kind: Some(kind),
            full_name: full_name.into(),
            parent: parent.map(Into::into),
            owner: Some(owner.into()),
            comment: Some(comment.into()),
            securable_type: securable_type.map(Text::from),
            format: (kind == Table).then(|| "DELTA".to_string()).map(Into::into),
            location: location.map(Text::from),
            properties: BTreeMap::new(),
            details: BTreeMap::new(),
            created_at: Some(created),
            updated_at: Some(Timestamp::from_civil(2026, 11, 20, 17, 5, day, 0)),
        });
        let last = self.s.securables.len() - 1;
        &mut self.s.securables[last]
    }

    fn tags(&mut self, kind: SecurableKind, name: &str, tags: &[(&str, &str)]) {
        for (k, v) in tags {
            self.s.tags.push(TagRow {
                securable_kind: Some(kind),
                securable_full_name: name.into(),
                column_name: None,
                key: Text::from(*k),
                value: Text::from(*v),
            });
        }
    }

    fn column_tag(&mut self, table: &str, column: &str, key: &str, value: &str) {
        self.s.tags.push(TagRow {
            securable_kind: Some(Table),
            securable_full_name: table.into(),
            column_name: Some(column.into()),
            key: key.into(),
            value: value.into(),
        });
    }

    fn grants(&mut self, kind: SecurableKind, name: &str, principal: &str, privs: &[&str]) {
        for p in privs {
            self.s.grants.push(GrantRow {
                securable_kind: Some(kind),
                securable_full_name: name.into(),
                principal: principal.into(),
                privilege: Text::from(*p),
            });
        }
    }

    /// Columns as `(name, type_text, nullable, comment)`.
    fn columns(&mut self, table: &str, cols: &[(&str, &str, bool, Option<&str>)]) {
        for (i, (name, ty, nullable, comment)) in cols.iter().enumerate() {
            self.s.columns.push(ColumnRow {
                table_full_name: table.to_string().into(),
                name: Text::from(*name),
                position: i as i32,
                type_text: Text::from(*ty),
                nullable: *nullable,
                comment: comment.map(Text::from),
            });
        }
    }

    fn row_filter(&mut self, table: &str, function: &str, cols: &[&str]) {
        self.s.row_filters.push(RowFilterRow {
            table_full_name: table.into(),
            function_full_name: function.into(),
            input_arguments: cols
                .iter()
                .map(|c| PolicyArg::column(*c).to_sql())
                .collect(),
        });
    }

    fn mask(&mut self, table: &str, column: &str, function: &str, using: &[&str]) {
        self.s.column_masks.push(ColumnMaskRow {
            table_full_name: table.into(),
            column_name: column.into(),
            function_full_name: function.into(),
            using_arguments: using
                .iter()
                .map(|c| PolicyArg::column(*c).to_sql())
                .collect(),
        });
    }

    /// A governed table: owner `grp_data_eng` and the `managed_by` default tag.
    fn table(&mut self, name: &str, comment: &str, ty: &str, day: u32) -> &mut SecurableRow {
        self.tags(Table, name, &[("managed_by", "brickkit")]);
        let t = self.securable(Table, name, "grp_data_eng", comment, Some(ty), None, day);
        t.properties
            .insert("delta.minReaderVersion".into(), "1".into());
        t.properties
            .insert("delta.minWriterVersion".into(), "2".into());
        t
    }

    fn function(&mut self, name: &str, comment: &str, params: &str, returns: &str, body: &str) {
        self.tags(Function, name, &[("managed_by", "brickkit")]);
        let f = self.securable(Function, name, "grp_data_eng", comment, None, None, 4);
        f.details.insert("data_type".into(), returns.to_string());
        f.details.insert("input_params".into(), params.to_string());
        f.details.insert("routine_body".into(), "SQL".into());
        f.details
            .insert("routine_definition".into(), body.to_string());
    }
}

const CONVENTION_CATALOG_TAGS: [(&str, &str); 2] =
    [("managed_by", "brickkit"), ("environment", "development")];

/// The example snapshot (`collector_mode: example`), complete with counts and digest.
pub fn example_snapshot() -> Snapshot {
    let mut b = B::default();

    // ------------------------------------------------------------------ sales_dev
    b.securable(
        Catalog,
        "sales_dev",
        "grp_platform_dev",
        "Sales data product",
        Some("MANAGED_CATALOG"),
        None,
        2,
    );
    b.tags(Catalog, "sales_dev", &CONVENTION_CATALOG_TAGS);
    b.tags(
        Catalog,
        "sales_dev",
        &[("data_owner", "sales-team"), ("cost_center", "cc-4100")],
    );
    b.grants(
        Catalog,
        "sales_dev",
        SALES_ANALYSTS,
        &["USE_CATALOG", "BROWSE"],
    );
    b.grants(Catalog, "sales_dev", ACCOUNT_USERS, &["BROWSE"]);
    b.grants(Catalog, "sales_dev", ETL, &["USE_CATALOG"]);

    let s = "sales_dev.orders";
    b.securable(
        Schema,
        s,
        "grp_data_eng",
        "Orders as captured by the web shop and the stores",
        None,
        None,
        3,
    );
    b.tags(Schema, s, &CONVENTION_CATALOG_TAGS);
    b.grants(Schema, s, SALES_ANALYSTS, &["USE_SCHEMA", "SELECT"]);
    b.grants(Schema, s, ETL, &["USE_SCHEMA", "MODIFY", "SELECT"]);

    b.function(
        REGION_FILTER,
        "Admins see every row, everyone else only EU rows",
        "region STRING",
        "BOOLEAN",
        "is_account_group_member('admins') OR region = 'EU'",
    );
    b.grants(Function, REGION_FILTER, ACCOUNT_USERS, &["EXECUTE"]);
    b.function(
        MASK_EMAIL,
        "Hides e-mail addresses from everyone but admins",
        "email STRING",
        "STRING",
        "CASE WHEN is_account_group_member('admins') THEN email ELSE '***' END",
    );
    b.grants(Function, MASK_EMAIL, ACCOUNT_USERS, &["EXECUTE"]);

    // orders: DRIFT dropped column mask (email has no mask).
    let t = "sales_dev.orders.orders";
    b.table(t, "One row per order", "MANAGED", 5);
    b.tags(
        Table,
        t,
        &[
            ("data_owner", "sales-team"),
            ("data_classification", "confidential"),
        ],
    );
    b.columns(
        t,
        &[
            ("order_id", "bigint", false, None),
            ("customer_id", "bigint", false, None),
            ("email", "string", true, None),
            (
                "region",
                "string",
                true,
                Some("Sales region (EU, US, APAC)"),
            ),
            ("amount", "decimal(18,2)", true, None),
            ("ordered_at", "timestamp", true, None),
        ],
    );
    b.column_tag(t, "email", "pii", "true");
    b.row_filter(t, REGION_FILTER, &["region"]);
    b.grants(Table, t, ETL, &["SELECT", "MODIFY"]);

    // order_lines: DRIFT comment change; an `etl_*` tag that brickkit.yaml ignores.
    let t = "sales_dev.orders.order_lines";
    let r = b.table(t, "Order lines, one row each", "MANAGED", 5);
    r.properties
        .insert("delta.enableChangeDataFeed".into(), "true".into());
    r.properties
        .insert("delta.lastCommitTimestamp".into(), "1764201600000".into());
    b.tags(
        Table,
        t,
        &[
            ("data_owner", "sales-team"),
            ("data_classification", "internal"),
            ("etl_last_run", "2026-11-27T05:12:00Z"),
        ],
    );
    b.columns(
        t,
        &[
            ("order_id", "bigint", false, None),
            ("line_no", "int", false, None),
            ("sku", "string", true, None),
            ("quantity", "int", true, None),
            ("price", "decimal(18,2)", true, None),
        ],
    );

    let t = "sales_dev.orders.daily_totals";
    b.table(t, "Totals per day", "MANAGED", 6);
    b.tags(
        Table,
        t,
        &[
            ("data_owner", "sales-team"),
            ("data_classification", "internal"),
        ],
    );
    b.columns(
        t,
        &[
            ("day", "date", false, None),
            ("region", "string", true, None),
            ("total", "decimal(18,2)", true, Some("Sum of order amounts")),
        ],
    );
    b.grants(Table, t, BI_READER, &["SELECT"]);
    // DRIFT extra grant: SELECT for a group the declaration does not grant anything.
    b.grants(Table, t, "grp_marketing_interns", &["SELECT"]);

    // returns: DRIFT dropped row filter.
    let t = "sales_dev.orders.returns";
    b.table(t, "Returned orders and the reason given", "MANAGED", 6);
    b.tags(
        Table,
        t,
        &[
            ("data_owner", "sales-team"),
            ("data_classification", "confidential"),
        ],
    );
    b.columns(
        t,
        &[
            ("order_id", "bigint", false, None),
            ("region", "string", false, None),
            ("returned_on", "date", true, None),
            (
                "reason",
                "string",
                true,
                Some("Free text entered by the customer"),
            ),
        ],
    );

    // DRIFT unmanaged table: a hand-made backup nobody declared.
    let t = "sales_dev.orders.orders_backup";
    b.securable(
        Table,
        t,
        "jane.doe@acme.com",
        "copy before the October migration",
        Some("MANAGED"),
        None,
        20,
    );
    b.columns(
        t,
        &[
            ("order_id", "bigint", true, None),
            ("email", "string", true, None),
            ("region", "string", true, None),
        ],
    );
    b.grants(Table, t, SALES_ANALYSTS, &["SELECT"]);

    // Ignored by brickkit.yaml (`table:*.*.tmp_*`): a pipeline's scratch table.
    let t = "sales_dev.orders.tmp_load_20261127";
    b.securable(
        Table,
        t,
        ETL,
        "scratch table of the nightly load",
        Some("MANAGED"),
        None,
        27,
    );
    b.columns(
        t,
        &[
            ("order_id", "bigint", true, None),
            ("raw", "string", true, None),
        ],
    );

    let v = "sales_dev.orders.landing";
    b.tags(Volume, v, &[("managed_by", "brickkit")]);
    b.securable(
        Volume,
        v,
        "grp_data_eng",
        "Raw drops",
        Some("MANAGED"),
        Some("s3://acme-uc-dev/metastore/sales_dev/orders/landing"),
        7,
    );
    b.tags(Volume, v, &[("data_classification", "confidential")]);
    b.grants(Volume, v, ETL, &["READ_VOLUME", "WRITE_VOLUME"]);

    let s = "sales_dev.customers";
    b.securable(
        Schema,
        s,
        "grp_data_eng",
        "Customer master data",
        None,
        None,
        3,
    );
    b.tags(Schema, s, &CONVENTION_CATALOG_TAGS);
    b.grants(Schema, s, SALES_ANALYSTS, &["USE_SCHEMA", "SELECT"]);

    b.function(
        MASK_PHONE,
        "Keeps the last four digits of a phone number, unless in the given region",
        "phone STRING, region STRING",
        "STRING",
        "CASE WHEN is_account_group_member('admins') OR region = 'US' THEN phone ELSE concat('***', right(phone, 4)) END",
    );

    // customers: DRIFT missing tag (column birth_date lost its `pii` tag).
    let t = "sales_dev.customers.customers";
    b.table(t, "One row per customer", "MANAGED", 8);
    b.tags(
        Table,
        t,
        &[
            ("data_owner", "crm-team"),
            ("data_classification", "restricted"),
        ],
    );
    b.columns(
        t,
        &[
            ("customer_id", "bigint", false, None),
            ("name", "string", true, None),
            ("email", "string", true, None),
            ("phone", "string", true, None),
            ("birth_date", "date", true, None),
            ("region", "string", true, None),
        ],
    );
    b.column_tag(t, "email", "pii", "true");
    b.column_tag(t, "phone", "pii", "true");
    b.mask(t, "email", MASK_EMAIL, &[]);
    b.mask(t, "phone", MASK_PHONE, &["region"]);

    // addresses: DRIFT changed tag (data_classification restricted -> internal).
    let t = "sales_dev.customers.addresses";
    b.table(t, "Postal addresses of customers", "MANAGED", 8);
    b.tags(
        Table,
        t,
        &[
            ("data_owner", "crm-team"),
            ("data_classification", "internal"),
            ("pii", "true"),
        ],
    );
    b.columns(
        t,
        &[
            ("customer_id", "bigint", false, None),
            ("street", "string", true, None),
            ("city", "string", true, None),
            ("postcode", "string", true, None),
            ("country", "string", true, None),
        ],
    );

    // customer_segments: DRIFT missing required tag (no `data_owner`).
    let t = "sales_dev.customers.customer_segments";
    b.table(
        t,
        "Marketing segment of every customer, recomputed nightly",
        "MANAGED",
        9,
    );
    b.tags(Table, t, &[("data_classification", "internal")]);
    b.columns(
        t,
        &[
            ("customer_id", "bigint", false, None),
            ("segment", "string", false, None),
            ("scored_at", "timestamp", true, None),
        ],
    );
    b.grants(Table, t, BI_READER, &["SELECT"]);

    // ---------------------------------------------------------------- finance_dev
    b.securable(
        Catalog,
        "finance_dev",
        "grp_finance_admins",
        "Finance data product",
        Some("MANAGED_CATALOG"),
        None,
        2,
    );
    b.tags(Catalog, "finance_dev", &CONVENTION_CATALOG_TAGS);
    b.tags(
        Catalog,
        "finance_dev",
        &[("data_owner", "finance-team"), ("cost_center", "cc-4200")],
    );
    b.grants(Catalog, "finance_dev", FINANCE_ANALYSTS, &["USE_CATALOG"]);
    b.grants(Catalog, "finance_dev", ETL, &["USE_CATALOG"]);

    let s = "finance_dev.ledger";
    b.securable(
        Schema,
        s,
        "grp_data_eng",
        "General ledger, loaded from the ERP every night",
        None,
        None,
        3,
    );
    b.tags(Schema, s, &CONVENTION_CATALOG_TAGS);
    b.grants(
        Schema,
        s,
        ETL,
        &[
            "USE_SCHEMA",
            "MODIFY",
            "SELECT",
            "READ_VOLUME",
            "WRITE_VOLUME",
        ],
    );
    b.grants(Schema, s, FINANCE_ANALYSTS, &["USE_SCHEMA", "SELECT"]);

    // gl_entries: DRIFT wrong owner.
    let t = "finance_dev.ledger.gl_entries";
    let r = b.table(t, "One row per journal line", "MANAGED", 10);
    r.owner = Some("jane.doe@acme.com".into());
    r.properties
        .insert("delta.enableChangeDataFeed".into(), "true".into());
    b.tags(
        Table,
        t,
        &[
            ("data_owner", "finance-team"),
            ("data_classification", "confidential"),
        ],
    );
    b.columns(
        t,
        &[
            ("entry_id", "bigint", false, None),
            ("account_id", "int", false, None),
            ("booked_on", "date", false, None),
            ("amount", "decimal(18,2)", false, None),
            ("currency", "string", false, None),
            ("region", "string", true, None),
        ],
    );
    b.row_filter(t, REGION_FILTER, &["region"]);

    // DRIFT missing table: finance_dev.ledger.accounts is declared but absent.

    // fx_rates: DRIFT missing grant (`account users` SELECT).
    let t = "finance_dev.ledger.fx_rates";
    b.table(
        t,
        "Daily exchange rates from the treasury feed",
        "EXTERNAL",
        11,
    )
    .location = Some("s3://acme-finance-dev/treasury/fx_rates".into());
    b.tags(
        Table,
        t,
        &[
            ("data_owner", "treasury"),
            ("data_classification", "public"),
        ],
    );
    b.columns(
        t,
        &[
            ("day", "date", false, None),
            ("currency", "string", false, None),
            ("rate", "decimal(18,6)", true, None),
        ],
    );

    let v = "finance_dev.ledger.exports";
    b.tags(Volume, v, &[("managed_by", "brickkit")]);
    b.securable(
        Volume,
        v,
        "grp_data_eng",
        "Files handed to the auditors",
        Some("EXTERNAL"),
        Some("s3://acme-finance-dev/exports"),
        12,
    );
    b.tags(Volume, v, &[("data_classification", "restricted")]);
    b.grants(Volume, v, ETL, &["READ_VOLUME", "WRITE_VOLUME"]);
    b.grants(Volume, v, FINANCE_ANALYSTS, &["READ_VOLUME"]);

    // reporting: the schema itself was read; its tables could not be listed.
    let s = "finance_dev.reporting";
    b.securable(
        Schema,
        s,
        "grp_controlling",
        "Curated reports for controlling",
        None,
        None,
        3,
    );
    b.tags(Schema, s, &CONVENTION_CATALOG_TAGS);
    b.grants(Schema, s, FINANCE_ANALYSTS, &["USE_SCHEMA", "SELECT"]);
    b.grants(Schema, s, BI_READER, &["USE_SCHEMA", "SELECT"]);
    // DRIFT collection issue: the subtree of finance_dev.reporting is unknown.
    b.s.collection_issues.push(CollectionIssue {
        securable_kind: Some(Schema),
        full_name: s.into(),
        attribute: None,
        subtree: true,
        error_code: Some("PERMISSION_DENIED".into()),
        message: "listing tables failed (HTTP 403): User does not have USE SCHEMA on Schema 'finance_dev.reporting'".into(),
    });

    // ------------------------------------------------------------ infrastructure
    let c = "finance_s3_dev";
    b.securable(
        StorageCredential,
        c,
        "grp_platform_dev",
        "IAM role that can read and write the finance bucket",
        Some("AWS_IAM_ROLE"),
        None,
        1,
    )
    .details
    .insert(
        "aws_iam_role.role_arn".into(),
        "arn:aws:iam::123456789012:role/acme-uc-finance-dev".into(),
    );
    b.tags(StorageCredential, c, &[("managed_by", "brickkit")]);
    b.grants(
        StorageCredential,
        c,
        "grp_data_eng",
        &["CREATE_EXTERNAL_LOCATION"],
    );

    let l = "finance_bucket_dev";
    let r = b.securable(
        ExternalLocation,
        l,
        "grp_platform_dev",
        "The finance bucket of this environment",
        None,
        Some("s3://acme-finance-dev/"),
        1,
    );
    r.details
        .insert("credential_name".into(), "finance_s3_dev".into());
    r.details.insert("read_only".into(), "false".into());
    b.tags(ExternalLocation, l, &[("managed_by", "brickkit")]);
    b.grants(
        ExternalLocation,
        l,
        ETL,
        &["READ_FILES", "WRITE_FILES", "CREATE_EXTERNAL_VOLUME"],
    );
    b.grants(ExternalLocation, l, FINANCE_ANALYSTS, &["BROWSE"]);

    let k = "crm_postgres_dev";
    let r = b.securable(
        Connection,
        k,
        "grp_platform_dev",
        "Read-only federation to the CRM database",
        Some("POSTGRESQL"),
        None,
        1,
    );
    r.details
        .insert("options.host".into(), "crm-db.dev.acme.internal".into());
    r.details.insert("options.port".into(), "5432".into());
    b.tags(Connection, k, &[("managed_by", "brickkit")]);
    b.grants(
        Connection,
        k,
        "grp_data_eng",
        &["USE_CONNECTION", "CREATE_FOREIGN_CATALOG"],
    );

    let mut s = b.s;
    s.sort();
    let taken_at = example_taken_at();
    s.manifest = Manifest {
        format_version: SNAPSHOT_FORMAT_VERSION,
        snapshot_id: new_snapshot_id(taken_at, 0x0000_e8a3),
        lineage: "acme-dev".to_string(),
        parent_id: None,
        taken_at,
        host: Some("https://acme-dev.cloud.databricks.com".to_string()),
        metastore_id: Some("3f6a0a3e-5b1c-4a57-9d1e-6c2d8a7b9e10".to_string()),
        scope: vec!["finance_dev".to_string(), "sales_dev".to_string()],
        collector_mode: "example".to_string(),
        brickkit_version: brickkit::VERSION.to_string(),
        counts: s.row_counts(),
        content_digest: String::new(),
    };
    s.manifest.content_digest = content_digest(&s);
    s
}
