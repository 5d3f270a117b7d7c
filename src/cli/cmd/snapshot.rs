//! `brickkit snapshot show|list|convert|prune`: inspect and convert snapshot files through
//! `app::snapshot` and render what they hold; every store error maps to exit 2.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;
use brickkit::app;

use crate::cli::args::{
    Globals, SnapshotConvertArgs, SnapshotListArgs, SnapshotPruneArgs, SnapshotShowArgs, TextOrJson,
};
use crate::cli::{exit, term};
use brickkit::model::SecurableKind;
use brickkit::state::store::{self, Format};
use brickkit::state::{CollectionIssue, Snapshot, retention};

/// Format version of the `snapshot show --format json` document.
const SHOW_JSON_VERSION: u32 = 1;

pub fn show(args: &SnapshotShowArgs, _g: &Globals) -> anyhow::Result<u8> {
    let s = app::snapshot::read(&args.path)?;
    let format = Format::detect(&args.path)?;
    let out = match args.format {
        TextOrJson::Text => show_text(&s, &args.path, format),
        TextOrJson::Json => show_json(&s, &args.path, format)?,
    };
    term::stdout_write(out.as_bytes())?;
    Ok(exit::OK)
}

fn opt(s: Option<&str>) -> &str {
    s.unwrap_or("-")
}

fn issue_line(i: &CollectionIssue) -> String {
    let what = match i.securable_kind {
        Some(k) => format!("{k} {}", i.full_name),
        None => "metastore".to_string(),
    };
    let mut line = what;
    if let Some(a) = &i.attribute {
        let _ = write!(line, " ({a})");
    }
    if i.subtree {
        line.push_str(" [subtree unknown]");
    }
    if let Some(c) = &i.error_code {
        let _ = write!(line, ": {c}");
    }
    let _ = write!(line, ": {}", i.message);
    line
}

fn show_text(s: &Snapshot, path: &Path, format: Format) -> String {
    let m = &s.manifest;
    let mut o = String::new();
    let _ = writeln!(o, "snapshot        {}", m.snapshot_id);
    let _ = writeln!(
        o,
        "path            {} ({})",
        path.display(),
        format.as_str()
    );
    let _ = writeln!(o, "taken at        {}", m.taken_at);
    let _ = writeln!(o, "lineage         {}", m.lineage);
    let _ = writeln!(o, "parent          {}", opt(m.parent_id.as_deref()));
    let _ = writeln!(o, "host            {}", opt(m.host.as_deref()));
    let _ = writeln!(o, "metastore       {}", opt(m.metastore_id.as_deref()));
    let _ = writeln!(o, "scope           {}", m.scope.join(", "));
    let _ = writeln!(o, "collector mode  {}", m.collector_mode);
    let _ = writeln!(
        o,
        "written by      brickkit {} (format version {})",
        m.brickkit_version, m.format_version
    );
    let _ = writeln!(o, "content digest  {}", m.content_digest);
    let _ = writeln!(o);
    let _ = writeln!(o, "securables by kind");
    let counts = s.row_counts();
    for k in SecurableKind::ALL {
        if let Some(n) = counts.get(&format!("securables.{k}")) {
            let _ = writeln!(o, "  {:<20}{n:>10}", k.as_str());
        }
    }
    if let Some(n) = counts.get("securables.unknown") {
        let _ = writeln!(o, "  {:<20}{n:>10}", "(no kind)");
    }
    let _ = writeln!(o, "rows by table");
    for t in store::tables::ALL {
        let n = counts.get(t.name).copied().unwrap_or(0);
        let _ = writeln!(o, "  {:<20}{n:>10}", t.name);
    }
    let _ = writeln!(o);
    if s.collection_issues.is_empty() {
        let _ = writeln!(o, "collection issues: none (complete snapshot)");
    } else {
        let _ = writeln!(
            o,
            "collection issues ({}): what is under them is unknown, never missing",
            s.collection_issues.len()
        );
        for i in &s.collection_issues {
            let _ = writeln!(o, "  {}", issue_line(i));
        }
    }
    o
}

fn show_json(s: &Snapshot, path: &Path, format: Format) -> anyhow::Result<String> {
    let counts = s.row_counts();
    let by_kind: BTreeMap<String, u64> = counts
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("securables.").map(|k| (k.to_string(), *v)))
        .collect();
    let by_table: BTreeMap<String, u64> = counts
        .iter()
        .filter(|(k, _)| !k.contains('.'))
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    let issues: Vec<serde_json::Value> = s
        .collection_issues
        .iter()
        .map(|i| {
            serde_json::json!({
                "securable_kind": i.securable_kind.map(SecurableKind::as_str),
                "full_name": i.full_name,
                "attribute": i.attribute,
                "subtree": i.subtree,
                "error_code": i.error_code,
                "message": i.message,
            })
        })
        .collect();
    let doc = serde_json::json!({
        "format_version": SHOW_JSON_VERSION,
        "path": path.display().to_string(),
        "storage": format.as_str(),
        "manifest": store::manifest::to_json_value(&s.manifest),
        "securables_by_kind": by_kind,
        "rows_by_table": by_table,
        "collection_issues": issues,
    });
    let mut text = serde_json::to_string_pretty(&doc).context("rendering json")?;
    text.push('\n');
    Ok(text)
}

pub fn list(args: &SnapshotListArgs, g: &Globals) -> anyhow::Result<u8> {
    let listing = app::snapshot::list(&args.dir)?;
    let mut o = String::new();
    if listing.snapshots.is_empty() {
        if !g.quiet {
            term::warn(&format!("{}: no snapshots found", args.dir.display()));
        }
    } else {
        let _ = writeln!(
            o,
            "{:<30} {:<25} {:<8} {:>11} {:>7}  PATH",
            "SNAPSHOT", "TAKEN AT", "FORMAT", "SECURABLES", "ISSUES"
        );
        for (p, m) in &listing.snapshots {
            let format = Format::detect(p).map_or("?", Format::as_str);
            let n = m.counts.get("securables").copied().unwrap_or(0);
            let issues = m.counts.get("collection_issues").copied().unwrap_or(0);
            let _ = writeln!(
                o,
                "{:<30} {:<25} {:<8} {n:>11} {issues:>7}  {}",
                m.snapshot_id,
                m.taken_at.to_string(),
                format,
                p.display()
            );
        }
    }
    term::stdout_write(o.as_bytes())?;
    if !g.quiet {
        for p in &listing.skipped {
            term::warn(&format!("skipped {p}"));
        }
    }
    for p in &listing.unreadable {
        term::error(&format!("unreadable snapshot: {p}"));
    }
    Ok(if listing.unreadable.is_empty() {
        exit::OK
    } else {
        exit::ERROR
    })
}

pub fn convert(args: &SnapshotConvertArgs, g: &Globals) -> anyhow::Result<u8> {
    let s = app::snapshot::convert(&args.input, &args.output)?;
    if !g.quiet {
        let format = Format::for_output(&args.output);
        let rows: u64 = s
            .row_counts()
            .iter()
            .filter(|(k, _)| !k.contains('.'))
            .map(|(_, v)| v)
            .sum();
        term::stdout_write(
            format!(
                "wrote {} ({}, {rows} rows, {})\n",
                args.output.display(),
                format.as_str(),
                s.manifest.content_digest
            )
            .as_bytes(),
        )?;
    }
    Ok(exit::OK)
}

/// Format version of the `snapshot prune --format json` document.
const PRUNE_JSON_VERSION: u32 = 1;

pub fn prune(args: &SnapshotPruneArgs, g: &Globals) -> anyhow::Result<u8> {
    let n = |v: Option<u32>| v.map_or(0, |v| v as usize);
    let policy = retention::Policy {
        last: n(args.keep_last),
        daily: n(args.keep_daily),
        weekly: n(args.keep_weekly),
    };
    let out = app::snapshot::prune(&args.dir, policy, args.dry_run)?;
    let text = match args.format {
        TextOrJson::Text => prune_text(&out),
        TextOrJson::Json => prune_json(&out)?,
    };
    term::stdout_write(text.as_bytes())?;
    for p in out.failed() {
        if let Some(e) = &p.failed {
            term::error(&format!("could not remove {}: {e}", p.path.display()));
        }
    }
    for e in &out.unreadable {
        term::error(&format!("left in place, cannot be read: {e}"));
    }
    if !g.quiet && out.snapshots.is_empty() {
        term::warn(&format!("{}: no snapshots found", args.dir.display()));
    }
    Ok(
        if out.failed().next().is_none() && out.unreadable.is_empty() {
            exit::OK
        } else {
            exit::ERROR
        },
    )
}

fn reasons(p: &app::snapshot::Pruned) -> String {
    let r: Vec<&str> = p.keep.iter().map(|r| r.as_str()).collect();
    r.join(", ")
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn prune_text(out: &app::snapshot::PruneOutcome) -> String {
    let mut o = String::new();
    let mut lineages: BTreeMap<&str, Vec<&app::snapshot::Pruned>> = BTreeMap::new();
    for p in &out.snapshots {
        lineages.entry(&p.manifest.lineage).or_default().push(p);
    }
    for (lineage, ps) in &lineages {
        let kept = ps.iter().filter(|p| !p.keep.is_empty()).count();
        let host = ps
            .first()
            .and_then(|p| p.manifest.host.as_deref())
            .unwrap_or("-");
        let _ = writeln!(
            o,
            "lineage {lineage} ({host}): {} snapshot(s), keeping {kept}",
            ps.len()
        );
        for p in ps {
            let verb = if !p.keep.is_empty() {
                format!("keep    ({})", reasons(p))
            } else if p.failed.is_some() {
                "FAILED ".to_string()
            } else if out.dry_run {
                "would remove".to_string()
            } else {
                "removed".to_string()
            };
            let _ = writeln!(
                o,
                "  {:<30} {:<25} {verb}  {}",
                p.manifest.snapshot_id,
                p.manifest.taken_at.to_string(),
                p.path.display()
            );
        }
    }
    let removed: Vec<&app::snapshot::Pruned> = out.removed().collect();
    let bytes: u64 = removed.iter().map(|p| p.bytes).sum();
    let _ = writeln!(
        o,
        "{} {} snapshot(s) ({}), kept {}{}{}",
        if out.dry_run {
            "Would remove"
        } else {
            "Removed"
        },
        removed.len(),
        mib(bytes),
        out.snapshots.iter().filter(|p| !p.keep.is_empty()).count(),
        match out.failed().count() {
            0 => String::new(),
            n => format!(", {n} could not be removed"),
        },
        match out.unreadable.len() {
            0 => String::new(),
            n => format!(", {n} unreadable left in place"),
        },
    );
    o
}

fn prune_json(out: &app::snapshot::PruneOutcome) -> anyhow::Result<String> {
    let entry = |p: &app::snapshot::Pruned| {
        serde_json::json!({
            "snapshot_id": p.manifest.snapshot_id,
            "lineage": p.manifest.lineage,
            "taken_at": p.manifest.taken_at.to_rfc3339(),
            "path": p.path.display().to_string(),
            "bytes": p.bytes,
            "reasons": p.keep.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        })
    };
    let doc = serde_json::json!({
        "format_version": PRUNE_JSON_VERSION,
        "dry_run": out.dry_run,
        "policy": {
            "keep_last": out.policy.last,
            "keep_daily": out.policy.daily,
            "keep_weekly": out.policy.weekly,
        },
        "kept": out.snapshots.iter().filter(|p| !p.keep.is_empty()).map(entry).collect::<Vec<_>>(),
        "removed": out.removed().map(entry).collect::<Vec<_>>(),
        "failed": out.failed().map(|p| {
            let mut e = entry(p);
            e["error"] = serde_json::Value::String(p.failed.as_ref().map(|e| e.to_string()).unwrap_or_default());
            e
        }).collect::<Vec<_>>(),
        "unreadable": out.unreadable.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&doc).context("rendering json")?;
    text.push('\n');
    Ok(text)
}
