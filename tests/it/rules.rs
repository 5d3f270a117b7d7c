//! Policy rules (issue #15): every check on declared and undeclared securables, scope globs,
//! unknown under collection issues, the drift report's violations (ignore, `--fail-on`,
//! summary, a securable both drifted and violating), the JSON report's `violations`, and a
//! property test that the findings do not depend on the thread count or the snapshot's row
//! order. Rules are built directly as `PolicyRule` values.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use brickkit::declared::{
    DeclaredSecurable, DeclaredState, Origin, Policy, PolicyRule, RuleCheck, RuleScope,
};
use brickkit::diff::DiffOptions;
use brickkit::drift::{self, DriftOptions, IgnoreRules, UnmanagedScope};
use brickkit::model::{SecurableKind, Severity, Text, Timestamp};
use brickkit::report::{self, Format, RenderOptions};
use brickkit::rules::{self, Findings, RuleUnknown, Violation};
use brickkit::state::{
    CollectionIssue, ColumnMaskRow, ColumnRow, GrantRow, RowFilterRow, SecurableRow, Snapshot,
    TagRow,
};
use proptest::prelude::*;

use SecurableKind::*;

// ---------------------------------------------------------------- builders

fn rule(id: &str, severity: Severity, scope: RuleScope, check: RuleCheck) -> PolicyRule {
    PolicyRule {
        id: id.into(),
        message: format!("message of {id}"),
        severity,
        scope,
        check,
        origin: Some(Origin {
            file: PathBuf::from("conventions/rules.yaml"),
            line: 3,
            column: 5,
        }),
    }
}

fn kinds(k: &[SecurableKind]) -> RuleScope {
    RuleScope {
        kinds: k.to_vec(),
        ..RuleScope::default()
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn required(key: &str, allowed: Option<&[&str]>, on_columns: bool) -> RuleCheck {
    RuleCheck::RequiredTag {
        key: key.into(),
        allowed: allowed.map(strings),
        default: None,
        on_columns,
    }
}

fn declared_securable(kind: SecurableKind, name: &str) -> DeclaredSecurable {
    DeclaredSecurable {
        kind,
        full_name: name.into(),
        declared_name: name.into(),
        origin: None,
        create: true,
        owner: None,
        comment: None,
        tags: BTreeMap::new(),
        grants: None,
        row_filter: None,
        columns: Vec::new(),
        properties: BTreeMap::new(),
        details: BTreeMap::new(),
    }
}

fn tree(declared: &[(SecurableKind, &str)], rules: Vec<PolicyRule>) -> DeclaredState {
    let mut securables: Vec<DeclaredSecurable> = declared
        .iter()
        .map(|(k, n)| declared_securable(*k, n))
        .collect();
    securables.sort_by(|a, b| (a.kind, &a.full_name).cmp(&(b.kind, &b.full_name)));
    DeclaredState {
        project: "p".into(),
        environment: "dev".into(),
        securables,
        policy: Policy {
            rules,
            ..Policy::default()
        },
        ignore: Vec::new(),
    }
}

#[derive(Default)]
struct Snap(Snapshot);

impl Snap {
    fn securable(mut self, kind: SecurableKind, name: &str, owner: &str) -> Self {
        self.0.securables.push(SecurableRow {
            kind: Some(kind),
            full_name: name.into(),
            owner: (!owner.is_empty())
                .then(|| owner.to_string())
                .map(Into::into),
            ..SecurableRow::default()
        });
        self
    }
    fn table(self, name: &str, cols: &[&str]) -> Self {
        let mut s = self.securable(Table, name, "owners");
        for (i, c) in cols.iter().enumerate() {
            s.0.columns.push(ColumnRow {
                table_full_name: name.into(),
                name: Text::from(*c),
                position: i as i32,
                type_text: "string".into(),
                nullable: true,
                comment: None,
            });
        }
        s
    }
    fn tag(mut self, kind: SecurableKind, name: &str, col: Option<&str>, k: &str, v: &str) -> Self {
        self.0.tags.push(TagRow {
            securable_kind: Some(kind),
            securable_full_name: name.into(),
            column_name: col.map(Text::from),
            key: k.into(),
            value: v.into(),
        });
        self
    }
    fn grant(mut self, kind: SecurableKind, name: &str, who: &str, privilege: &str) -> Self {
        self.0.grants.push(GrantRow {
            securable_kind: Some(kind),
            securable_full_name: name.into(),
            principal: who.into(),
            privilege: privilege.into(),
        });
        self
    }
    fn mask(mut self, table: &str, col: &str) -> Self {
        self.0.column_masks.push(ColumnMaskRow {
            table_full_name: table.into(),
            column_name: col.into(),
            function_full_name: "c.s.mask_fn".into(),
            using_arguments: Vec::new(),
        });
        self
    }
    fn filter(mut self, table: &str) -> Self {
        self.0.row_filters.push(RowFilterRow {
            table_full_name: table.into(),
            function_full_name: "c.s.filter_fn".into(),
            input_arguments: vec!["region".into()],
        });
        self
    }
    fn issue(
        mut self,
        kind: Option<SecurableKind>,
        name: &str,
        attribute: Option<&str>,
        subtree: bool,
    ) -> Self {
        self.0.collection_issues.push(CollectionIssue {
            securable_kind: kind,
            full_name: name.into(),
            attribute: attribute.map(Text::from),
            subtree,
            error_code: Some("PERMISSION_DENIED".into()),
            message: "no access".into(),
        });
        self
    }
    fn done(self) -> Snapshot {
        self.0
    }
}

/// `(rule, kind, name, field, declared)` of every violation.
fn brief(f: &Findings) -> Vec<(String, SecurableKind, String, String, bool)> {
    f.violations
        .iter()
        .map(|v| {
            (
                v.rule_id.clone(),
                v.kind,
                v.full_name.clone(),
                v.field.clone(),
                v.declared,
            )
        })
        .collect()
}

fn v(
    rule: &str,
    kind: SecurableKind,
    name: &str,
    field: &str,
    declared: bool,
) -> (String, SecurableKind, String, String, bool) {
    (rule.into(), kind, name.into(), field.into(), declared)
}

fn unknown_names(f: &Findings) -> Vec<(String, Option<SecurableKind>, String)> {
    f.unknown
        .iter()
        .map(|u| (u.rule_id.clone(), u.kind, u.full_name.clone()))
        .collect()
}

fn eval(rules: Vec<PolicyRule>, declared: &[(SecurableKind, &str)], snap: &Snapshot) -> Findings {
    let t = tree(declared, rules);
    rules::evaluate(&t.policy.rules, snap, &t)
}

// ---------------------------------------------------------------- checks

#[test]
fn required_tag_on_declared_and_undeclared_securables() {
    let snap = Snap::default()
        .securable(Catalog, "c", "g")
        .securable(Schema, "c.s", "g")
        .table("c.s.tagged", &[])
        .table("c.s.declared_untagged", &[])
        .table("c.s.wild", &[])
        .table("c.s.bad_value", &[])
        .securable(Function, "c.s.f", "g")
        .tag(Table, "c.s.tagged", None, "data_owner", "sales")
        .tag(Table, "c.s.bad_value", None, "data_owner", "Sales")
        // a column tag is not the table's tag
        .tag(Table, "c.s.wild", Some("id"), "data_owner", "sales")
        .tag(Catalog, "c", None, "data_owner", "platform")
        .done();
    let rules = vec![rule(
        "owner-tag",
        Severity::Warning,
        RuleScope::default(),
        required("data_owner", Some(&["sales", "platform"]), false),
    )];
    let f = eval(rules, &[(Table, "c.s.declared_untagged")], &snap);
    assert_eq!(
        brief(&f),
        vec![
            v("owner-tag", Schema, "c.s", "tags.data_owner", false),
            v(
                "owner-tag",
                Table,
                "c.s.bad_value",
                "tags.data_owner",
                false
            ),
            v(
                "owner-tag",
                Table,
                "c.s.declared_untagged",
                "tags.data_owner",
                true
            ),
            v("owner-tag", Table, "c.s.wild", "tags.data_owner", false),
        ],
        "functions carry no tags; values compare exactly"
    );
    let bad = &f.violations[1];
    assert_eq!(bad.expected, "one of sales, platform");
    assert_eq!(bad.actual, "Sales");
    assert_eq!(f.violations[0].actual, "(none)");
    assert_eq!(bad.severity, Severity::Warning);
    assert!(f.unknown.is_empty());
}

#[test]
fn required_tag_on_columns() {
    let snap = Snap::default()
        .table("c.s.t", &["id", "Email"])
        .table("c.s.u", &["x"])
        .tag(Table, "c.s.t", Some("ID"), "classification", "internal")
        .tag(Table, "c.s.t", None, "classification", "internal")
        .done();
    let rules = vec![rule(
        "col-class",
        Severity::Info,
        kinds(&[Table]),
        required("classification", None, true),
    )];
    let f = eval(rules, &[(Table, "c.s.u")], &snap);
    assert_eq!(
        brief(&f),
        vec![
            v(
                "col-class",
                Table,
                "c.s.t",
                "columns.email.tags.classification",
                false
            ),
            v(
                "col-class",
                Table,
                "c.s.u",
                "columns.x.tags.classification",
                true
            ),
        ],
        "column names compare case-insensitively; the table's own tag does not count"
    );
}

#[test]
fn naming_on_every_kind_in_scope() {
    let snap = Snap::default()
        .securable(Catalog, "sales_prd", "g")
        .securable(Schema, "sales_prd.Orders", "g")
        .table("sales_prd.orders.fact_orders", &[])
        .table("sales_prd.orders.tmp", &[])
        .securable(StorageCredential, "cred", "g")
        .done();
    let rules = vec![rule(
        "snake",
        Severity::Warning,
        RuleScope::default(),
        RuleCheck::Naming {
            pattern: "^[a-z][a-z0-9_]*_[a-z0-9]+$".into(),
        },
    )];
    let f = eval(rules, &[(Schema, "sales_prd.orders")], &snap);
    assert_eq!(
        brief(&f),
        vec![
            v("snake", Schema, "sales_prd.orders", "name", true),
            v("snake", Table, "sales_prd.orders.tmp", "name", false),
            v("snake", StorageCredential, "cred", "name", false),
        ]
    );
    assert_eq!(
        f.violations[0].actual, "Orders",
        "the snapshot's own spelling"
    );
}

#[test]
fn owner_rules() {
    let snap = Snap::default()
        .securable(Catalog, "c", "platform-admins")
        .securable(Schema, "c.a", "Alice@Example.com")
        .securable(Schema, "c.b", "etl")
        .securable(Schema, "c.none", "")
        .table("c.a.t", &[])
        .done();
    let not_user = rule(
        "no-people",
        Severity::Critical,
        kinds(&[Catalog, Schema]),
        RuleCheck::Owner {
            pattern: None,
            one_of: Vec::new(),
            not_user: true,
        },
    );
    let listed = rule(
        "listed",
        Severity::Warning,
        kinds(&[Schema]),
        RuleCheck::Owner {
            pattern: Some("^[a-z-]+$".into()),
            one_of: strings(&["platform-admins", "alice@example.com"]),
            not_user: false,
        },
    );
    let f = eval(vec![not_user, listed], &[(Schema, "c.b")], &snap);
    assert_eq!(
        brief(&f),
        vec![
            v("listed", Schema, "c.a", "owner", false),
            v("listed", Schema, "c.b", "owner", true),
            v("listed", Schema, "c.none", "owner", false),
            v("no-people", Schema, "c.a", "owner", false),
        ]
    );
    // `c.a` is in `one_of` (users compare case-insensitively) but fails the pattern.
    assert_eq!(f.violations[0].actual, "Alice@Example.com");
    assert_eq!(
        f.violations[0].expected,
        "an owner matching `^[a-z-]+$`, one of platform-admins, alice@example.com"
    );
    assert_eq!(f.violations[2].actual, "(none)");
    assert_eq!(f.violations[3].severity, Severity::Critical);
}

#[test]
fn forbidden_grants() {
    let snap = Snap::default()
        .securable(Catalog, "c", "g")
        .table("c.s.t", &[])
        .table("c.s.u", &[])
        .grant(Catalog, "c", "account users", "ALL PRIVILEGES")
        .grant(Catalog, "c", "account users", "USE CATALOG")
        .grant(Table, "c.s.t", "account users", "modify")
        .grant(Table, "c.s.t", "Account Users", "MODIFY")
        .grant(Table, "c.s.t", "Bob@Example.com", "SELECT")
        .grant(Table, "c.s.u", "analysts", "SELECT")
        .done();
    let no_all = rule(
        "no-all-to-everyone",
        Severity::Critical,
        RuleScope::default(),
        RuleCheck::ForbiddenGrant {
            principals: strings(&["account users"]),
            privileges: strings(&["ALL_PRIVILEGES", "modify"]),
            users: false,
        },
    );
    let no_users = rule(
        "no-user-grants",
        Severity::Warning,
        RuleScope::default(),
        RuleCheck::ForbiddenGrant {
            principals: Vec::new(),
            privileges: Vec::new(),
            users: true,
        },
    );
    let f = eval(vec![no_all, no_users], &[(Table, "c.s.t")], &snap);
    assert_eq!(
        brief(&f),
        vec![
            v(
                "no-all-to-everyone",
                Catalog,
                "c",
                "grants.account users",
                false
            ),
            v(
                "no-all-to-everyone",
                Table,
                "c.s.t",
                "grants.account users",
                true
            ),
            v(
                "no-user-grants",
                Table,
                "c.s.t",
                "grants.bob@example.com",
                true
            ),
        ],
        "`Account Users` is another group; USE CATALOG is allowed"
    );
    assert_eq!(f.violations[0].actual, "ALL_PRIVILEGES");
    assert_eq!(f.violations[1].actual, "MODIFY");
    assert_eq!(f.violations[2].actual, "SELECT");
    assert_eq!(
        f.violations[0].expected,
        "none of ALL_PRIVILEGES, MODIFY granted directly to account users"
    );
}

#[test]
fn protection_requires_masks_and_row_filters() {
    let snap = Snap::default()
        .table("c.s.open", &["email", "id"])
        .table("c.s.masked", &["email"])
        .table("c.s.filtered", &["email", "ssn"])
        .table("c.s.allowed", &["email"])
        .table("c.s.plain", &["email"])
        .tag(Table, "c.s.open", Some("email"), "pii", "true")
        .tag(Table, "c.s.masked", Some("EMAIL"), "pii", "true")
        .tag(Table, "c.s.filtered", Some("email"), "pii", "true")
        .tag(Table, "c.s.filtered", Some("ssn"), "phi", "")
        .tag(Table, "c.s.allowed", Some("email"), "pii", "true")
        .tag(Table, "c.s.plain", Some("email"), "pii", "false")
        .mask("c.s.masked", "email")
        .filter("c.s.filtered")
        .mask("c.s.filtered", "email")
        .mask("c.s.allowed", "email")
        .done();
    let rules = vec![rule(
        "pii",
        Severity::Critical,
        RuleScope::default(),
        RuleCheck::Protection {
            column_tags: [
                ("pii".to_string(), Some("true".to_string())),
                ("phi".to_string(), None),
            ]
            .into(),
            require_mask: true,
            require_row_filter: true,
            allowed_tables: strings(&["C.S.ALLOWED"]),
        },
    )];
    let f = eval(rules, &[(Table, "c.s.masked")], &snap);
    assert_eq!(
        brief(&f),
        vec![
            v("pii", Table, "c.s.filtered", "columns.ssn.mask", false),
            v("pii", Table, "c.s.masked", "row_filter", true),
            v("pii", Table, "c.s.open", "columns.email.mask", false),
            v("pii", Table, "c.s.open", "row_filter", false),
        ]
    );
    assert_eq!(
        f.violations[2].expected,
        "a column mask (the column is tagged phi or pii=true)"
    );
}

// ---------------------------------------------------------------- scope

#[test]
fn scope_globs_on_catalog_schema_and_name() {
    let snap = Snap::default()
        .securable(Catalog, "Sales_PRD", "g")
        .securable(Schema, "sales_prd.orders", "g")
        .table("sales_prd.orders.fact", &[])
        .table("sales_prd.orders.tmp_1", &[])
        .table("sales_prd.hr.fact", &[])
        .table("sales_dev.orders.fact", &[])
        .securable(Volume, "sales_prd.orders.files", "g")
        .securable(ExternalLocation, "sales_prd", "g")
        .securable(Connection, "pg", "g")
        .done();
    let everything_owned_by_admins = RuleCheck::Owner {
        pattern: Some("^admins$".into()),
        one_of: Vec::new(),
        not_user: false,
    };
    let scoped = rule(
        "scoped",
        Severity::Info,
        RuleScope {
            kinds: vec![Table, Volume],
            catalogs: strings(&["*_PRD"]),
            schemas: strings(&["ord*"]),
            names: strings(&["f?le*", "fact"]),
            environments: Vec::new(),
        },
        everything_owned_by_admins.clone(),
    );
    let catalogs_only = rule(
        "catalog-glob",
        Severity::Info,
        RuleScope {
            catalogs: strings(&["sales_prd"]),
            ..RuleScope::default()
        },
        everything_owned_by_admins.clone(),
    );
    let infra = rule(
        "infra",
        Severity::Info,
        RuleScope {
            names: strings(&["*"]),
            kinds: vec![ExternalLocation, Connection, Catalog],
            ..RuleScope::default()
        },
        everything_owned_by_admins,
    );
    let f = eval(vec![scoped, catalogs_only, infra], &[], &snap);
    let got: BTreeSet<(String, String)> = f
        .violations
        .iter()
        .map(|v| (v.rule_id.clone(), v.full_name.clone()))
        .collect();
    let want: BTreeSet<(String, String)> = [
        ("scoped", "sales_prd.orders.fact"),
        ("scoped", "sales_prd.orders.files"),
        ("catalog-glob", "sales_prd"),
        ("catalog-glob", "sales_prd.orders"),
        ("catalog-glob", "sales_prd.orders.fact"),
        ("catalog-glob", "sales_prd.orders.tmp_1"),
        ("catalog-glob", "sales_prd.orders.files"),
        ("catalog-glob", "sales_prd.hr.fact"),
        ("infra", "sales_prd"),
        ("infra", "pg"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(got, want);
    // The catalog and the external location share a name, not a kind.
    let infra_kinds: Vec<SecurableKind> = f
        .violations
        .iter()
        .filter(|v| v.rule_id == "infra")
        .map(|v| v.kind)
        .collect();
    assert_eq!(infra_kinds, vec![Catalog, ExternalLocation, Connection]);
}

// ---------------------------------------------------------------- unknown

#[test]
fn collection_issues_make_securables_unknown_never_compliant() {
    let snap = Snap::default()
        .securable(Catalog, "c", "g")
        .securable(Schema, "c.locked", "g")
        .table("c.locked.t", &[])
        .securable(Schema, "c.open", "g")
        .table("c.open.t", &[])
        .securable(Catalog, "d", "g")
        .table("d.s.t", &[])
        // listing under c.locked failed (its own row was read)
        .issue(Some(Schema), "c.locked", None, true)
        // tags of everything under d could not be read
        .issue(Some(Catalog), "d", Some("tags"), true)
        // a schema whose row could not be read at all
        .issue(Some(Schema), "c.gone", None, false)
        .done();
    let tag_rule = rule(
        "tagged",
        Severity::Warning,
        kinds(&[Table]),
        required("data_owner", None, false),
    );
    let owner_rule = rule(
        "owners",
        Severity::Warning,
        kinds(&[Table, Schema]),
        RuleCheck::Owner {
            pattern: Some("^admins$".into()),
            one_of: Vec::new(),
            not_user: false,
        },
    );
    let f = eval(vec![tag_rule, owner_rule], &[], &snap);
    assert_eq!(
        brief(&f),
        vec![
            v("owners", Schema, "c.locked", "owner", false),
            v("owners", Schema, "c.open", "owner", false),
            v("owners", Table, "c.open.t", "owner", false),
            v("owners", Table, "d.s.t", "owner", false),
            v("tagged", Table, "c.open.t", "tags.data_owner", false),
        ],
        "tags under d and everything under c.locked are unknown, not violations"
    );
    assert_eq!(
        unknown_names(&f),
        vec![
            ("owners".into(), Some(Schema), "c.gone".into()),
            ("owners".into(), Some(Schema), "c.locked".into()),
            ("owners".into(), Some(Table), "c.locked.t".into()),
            ("tagged".into(), Some(Schema), "c.locked".into()),
            ("tagged".into(), Some(Table), "c.locked.t".into()),
            ("tagged".into(), Some(Table), "d.s.t".into()),
        ]
    );
    let region = f
        .unknown
        .iter()
        .find(|u| u.rule_id == "tagged" && u.full_name == "c.locked")
        .unwrap();
    assert_eq!(
        region.reason,
        "what is under it could not be read: PERMISSION_DENIED: no access"
    );
    // A metastore-level issue leaves every rule unknown, even on an empty snapshot.
    let empty = Snap::default().issue(None, "", None, false).done();
    let f = eval(
        vec![rule(
            "x",
            Severity::Info,
            RuleScope::default(),
            required("k", None, false),
        )],
        &[],
        &empty,
    );
    assert_eq!(
        f.unknown,
        vec![RuleUnknown {
            rule_id: "x".into(),
            kind: None,
            full_name: String::new(),
            reason: "PERMISSION_DENIED: no access".into(),
        }]
    );
}

#[test]
fn a_rule_that_does_not_compile_is_unknown_not_silent() {
    let snap = Snap::default().table("c.s.t", &[]).done();
    let f = eval(
        vec![rule(
            "broken",
            Severity::Info,
            RuleScope::default(),
            RuleCheck::Naming {
                pattern: "(".into(),
            },
        )],
        &[],
        &snap,
    );
    assert!(f.violations.is_empty());
    assert_eq!(f.unknown.len(), 1);
    assert!(f.unknown[0].reason.contains("invalid naming pattern"));
}

// ---------------------------------------------------------------- drift report

fn audit_snapshot() -> Snapshot {
    Snap::default()
        .securable(Catalog, "c", "admins")
        .securable(Schema, "c.s", "admins")
        .table("c.s.declared", &["email"])
        .table("c.s.other", &["email"])
        .table("c.scratch.tmp", &[])
        .tag(Table, "c.s.declared", Some("email"), "pii", "true")
        .tag(Table, "c.s.other", Some("email"), "pii", "true")
        .grant(Table, "c.s.declared", "bob@example.com", "SELECT")
        .done()
}

fn audit_rules() -> Vec<PolicyRule> {
    vec![
        rule(
            "pii-masked",
            Severity::Critical,
            RuleScope::default(),
            RuleCheck::Protection {
                column_tags: [("pii".to_string(), Some("true".to_string()))].into(),
                require_mask: true,
                require_row_filter: false,
                allowed_tables: Vec::new(),
            },
        ),
        rule(
            "data-owner",
            Severity::Warning,
            kinds(&[Table]),
            required("data_owner", None, false),
        ),
    ]
}

fn detect(declared: &DeclaredState, snap: &Snapshot, ignore: &[&str]) -> drift::DriftReport {
    let opts = DriftOptions {
        timestamp: Timestamp::from_civil(2026, 1, 16, 14, 30, 0, 0),
        unmanaged: UnmanagedScope::All,
        ignore: IgnoreRules::from_specs(&[], &strings(ignore)).unwrap(),
    };
    drift::detect(declared, snap, &DiffOptions::default(), &opts)
}

#[test]
fn drift_report_carries_violations_next_to_drift() {
    let mut declared = tree(
        &[(Catalog, "c"), (Schema, "c.s"), (Table, "c.s.declared")],
        audit_rules(),
    );
    // c.s.declared is also drifted: its owner is governed.
    declared.securables[2].owner = Some("data-eng".into());
    let snap = audit_snapshot();
    let report = detect(&declared, &snap, &[]);

    // Drift as before: the owner, and the column tag the tree does not declare.
    let drift: Vec<(&str, &str)> = report
        .drifted
        .iter()
        .map(|d| (d.full_name.as_str(), d.field.as_str()))
        .collect();
    assert_eq!(
        drift,
        [
            ("c.s.declared", "columns.email.tags.pii"),
            ("c.s.declared", "owner")
        ]
    );
    let got: Vec<(&str, &str, &str, bool)> = report
        .violations
        .iter()
        .map(|v| {
            (
                v.rule_id.as_str(),
                v.full_name.as_str(),
                v.field.as_str(),
                v.declared,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("data-owner", "c.s.declared", "tags.data_owner", true),
            ("data-owner", "c.s.other", "tags.data_owner", false),
            ("data-owner", "c.scratch.tmp", "tags.data_owner", false),
            ("pii-masked", "c.s.declared", "columns.email.mask", true),
            ("pii-masked", "c.s.other", "columns.email.mask", false),
        ]
    );
    let ids: Vec<&str> = report.rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["data-owner", "pii-masked"]);
    assert_eq!(report.rule("pii-masked").unwrap().check, "protection");

    let s = report.summary();
    assert_eq!(s.violations, 5);
    // owner drift (critical) + 2 masks (critical), 3 data_owner (warning), 2 unmanaged and
    // the column tag drift (info)
    assert_eq!((s.critical, s.warning, s.info), (3, 3, 3));
    assert_eq!(s.findings(), 9);
    assert!(report.fails(Severity::Critical));

    // Without the owner drift and with the critical rule ignored, only warnings remain.
    declared.securables[2].owner = None;
    let report = detect(&declared, &snap, &["table:c.s.*#columns.*.mask"]);
    assert_eq!(report.violations.len(), 3);
    assert_eq!(report.ignored, 2);
    assert_eq!(report.worst(), Some(Severity::Warning));
    assert!(!report.fails(Severity::Critical));
    assert!(report.fails(Severity::Warning));
    let report = detect(
        &declared,
        &snap,
        &["*:c.scratch*", "table:*#tags.data_owner"],
    );
    assert_eq!(report.violations.len(), 2);
    assert!(report.violations.iter().all(|v| v.rule_id == "pii-masked"));

    // No rules: nothing changes for the existing conventions.
    let plain = tree(&[(Catalog, "c")], Vec::new());
    let report = detect(&plain, &snap, &[]);
    assert!(report.violations.is_empty() && report.rules.is_empty());
    assert!(report.rule_unknown.is_empty());
}

#[test]
fn json_report_lists_violations_and_rule_unknowns() {
    let declared = tree(&[(Table, "c.s.declared")], audit_rules());
    let mut snap = audit_snapshot();
    snap.collection_issues.push(CollectionIssue {
        securable_kind: Some(Schema),
        full_name: "c.scratch".into(),
        attribute: Some("tags".into()),
        subtree: true,
        error_code: None,
        message: "tags unreadable".into(),
    });
    let report = detect(&declared, &snap, &[]);
    let mut buf = Vec::new();
    let opts = RenderOptions {
        tool_version: "0.0.0-test".into(),
        ..RenderOptions::default()
    };
    report::render(&report, Format::Json, &opts, &mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();
    crate::drift::check_golden(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/report/json/violations.json"),
        &text,
    );
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["format_version"], 1);
    assert_eq!(json["summary"]["by_category"]["violations"], 4);
    assert_eq!(json["summary"]["by_category"]["rule_unknown"], 2);
    let first = &json["violations"][0];
    assert_eq!(first["rule"], "data-owner");
    assert_eq!(first["declared"], true);
    assert_eq!(first["origin"]["file"], "conventions/rules.yaml");
    assert_eq!(first["origin"]["line"], 3);
    assert_eq!(json["rule_unknown"][0]["resource_name"], "c.scratch.tmp");
}

// ---------------------------------------------------------------- determinism

fn all_checks() -> Vec<PolicyRule> {
    vec![
        rule(
            "a-tag",
            Severity::Warning,
            RuleScope {
                catalogs: strings(&["c*"]),
                ..RuleScope::default()
            },
            required("k0", Some(&["v0", "v1"]), false),
        ),
        rule(
            "b-cols",
            Severity::Info,
            kinds(&[Table]),
            required("k1", None, true),
        ),
        rule(
            "b-cols-narrow",
            Severity::Warning,
            RuleScope {
                catalogs: strings(&["C1", "c2"]),
                schemas: strings(&["s*"]),
                names: strings(&["T1", "t?"]),
                ..RuleScope::default()
            },
            required("k0", Some(&["v1"]), true),
        ),
        rule(
            "c-name",
            Severity::Info,
            RuleScope::default(),
            RuleCheck::Naming {
                pattern: "^t[0-9]$|^s|^c".into(),
            },
        ),
        rule(
            "d-owner",
            Severity::Critical,
            RuleScope::default(),
            RuleCheck::Owner {
                pattern: Some("^g".into()),
                one_of: Vec::new(),
                not_user: true,
            },
        ),
        rule(
            "e-grant",
            Severity::Critical,
            RuleScope::default(),
            RuleCheck::ForbiddenGrant {
                principals: strings(&["g1", "G*"]),
                privileges: strings(&["MODIFY", "ALL PRIVILEGES"]),
                users: true,
            },
        ),
        rule(
            "f-protect",
            Severity::Critical,
            RuleScope::default(),
            RuleCheck::Protection {
                column_tags: [("k1".to_string(), Some("v1".to_string()))].into(),
                require_mask: true,
                require_row_filter: true,
                allowed_tables: strings(&["c0.*.t1"]),
            },
        ),
    ]
}

/// A random snapshot: tables `c{0..2}.s{0..2}.t{0..9}` with random owners, tags on the
/// table and its columns, grants, masks and filters, plus a few collection issues.
fn arb_snapshot() -> impl Strategy<Value = Snapshot> {
    let table = (0u8..3, 0u8..3, 0u8..10);
    let tables = proptest::collection::btree_set(table, 1..25);
    (
        tables,
        proptest::collection::vec((0usize..64, 0u8..4, 0u8..2, 0u8..3), 0..60),
        proptest::collection::vec((0usize..64, 0u8..4, 0u8..3), 0..40),
        proptest::collection::vec((0usize..64, 0u8..3), 0..20),
        proptest::collection::vec((0usize..64, 0u8..3), 0..4),
    )
        .prop_map(|(tables, tags, grants, masks, issues)| {
            let names: Vec<String> = tables
                .iter()
                .map(|(c, s, t)| format!("c{c}.s{s}.t{t}"))
                .collect();
            let owners = ["g1", "bob@x.com", "admins", "G2"];
            let mut b = Snap::default();
            for c in 0..3 {
                b = b.securable(Catalog, &format!("c{c}"), owners[c % 4]);
            }
            for (i, n) in names.iter().enumerate() {
                b = b.table(n, &["a", "b", "c"]);
                b.0.securables.last_mut().unwrap().owner = Some(owners[i % 4].into());
            }
            let pick = |i: usize| &names[i % names.len()];
            for (i, col, k, v) in tags {
                let col = [None, Some("a"), Some("B"), Some("z")][col as usize];
                b = b.tag(
                    Table,
                    pick(i),
                    col,
                    &format!("k{}", k % 2),
                    &format!("v{v}"),
                );
            }
            for (i, who, p) in grants {
                let who = ["g1", "G1", "bob@x.com", "account users"][who as usize];
                let p = ["MODIFY", "all privileges", "SELECT"][p as usize];
                b = b.grant(Table, pick(i), who, p);
            }
            for (i, c) in masks {
                b = if c == 2 {
                    b.filter(pick(i))
                } else {
                    b.mask(pick(i), ["a", "b"][c as usize])
                };
            }
            for (i, k) in issues {
                let n = pick(i).clone();
                b = match k {
                    0 => b.issue(Some(Table), &n, Some("tags"), false),
                    1 => b.issue(Some(Schema), n.rsplit_once('.').unwrap().0, None, true),
                    _ => b.issue(Some(Table), &n, None, false),
                };
                // Issues covering the same securable give different reasons.
                b.0.collection_issues.last_mut().unwrap().message = format!("issue {i}").into();
            }
            b.done()
        })
}

fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut x = seed | 1;
    for i in (1..v.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.swap(i, (x % (i as u64 + 1)) as usize);
    }
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn findings_do_not_depend_on_threads_or_row_order(snap in arb_snapshot(), seed in any::<u64>()) {
        let declared = tree(&[(Table, "c0.s0.t0"), (Table, "c1.s1.t1")], all_checks());
        let want = pool(1).install(|| rules::evaluate(&declared.policy.rules, &snap, &declared));
        let mut shuffled = snap.clone();
        shuffle(&mut shuffled.securables, seed);
        shuffle(&mut shuffled.columns, seed ^ 1);
        shuffle(&mut shuffled.grants, seed ^ 2);
        shuffle(&mut shuffled.tags, seed ^ 3);
        shuffle(&mut shuffled.column_masks, seed ^ 4);
        shuffle(&mut shuffled.row_filters, seed ^ 5);
        shuffle(&mut shuffled.collection_issues, seed ^ 6);
        for threads in [2usize, 4] {
            let got = pool(threads).install(|| rules::evaluate(&declared.policy.rules, &shuffled, &declared));
            prop_assert_eq!(&got, &want);
        }
        // Sorted, and nothing both a violation and unknown for the same rule.
        prop_assert!(want.violations.windows(2).all(|w| w[0] <= w[1]));
        prop_assert!(want.unknown.windows(2).all(|w| w[0] < w[1]));
        let unknown: BTreeSet<(&str, &str)> = want
            .unknown
            .iter()
            .map(|u| (u.rule_id.as_str(), u.full_name.as_str()))
            .collect();
        for v in &want.violations {
            prop_assert!(!unknown.contains(&(v.rule_id.as_str(), v.full_name.as_str())), "{:?}", v);
        }
    }
}

#[test]
fn many_securables_across_chunks_stay_sorted_and_complete() {
    // More securables than one parallel work item holds.
    let mut b = Snap::default();
    for t in (0..20_000).rev() {
        b = b.securable(
            Table,
            &format!("c.s.t{t:05}"),
            if t % 3 == 0 { "bob@x.com" } else { "g" },
        );
    }
    let snap = b.done();
    let rules = vec![rule(
        "no-people",
        Severity::Warning,
        RuleScope::default(),
        RuleCheck::Owner {
            pattern: None,
            one_of: Vec::new(),
            not_user: true,
        },
    )];
    let f = pool(2).install(|| eval(rules, &[], &snap));
    assert_eq!(f.violations.len(), 6_667);
    assert!(f.violations.windows(2).all(|w| w[0] < w[1]));
    let _: &Violation = &f.violations[0];
}
