//! Store benchmark: write and read a generated snapshot (5 columns, 3 grants, 3 tags per
//! table) in both formats; prints seconds, sizes and the peak memory of reading.
//!
//! Reads run in a child process (this binary re-executed with `--child-read PATH`) so that
//! `VmHWM` measures the read alone.
//!
//! ```sh
//! cargo bench --bench store                    # 10k and 100k tables
//! cargo bench --bench store -- 1000000         # any sizes, comma or space separated
//! ```
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use brickkit::state::store;
use brickkit_testkit::synth::{SynthSpec, generate_snapshot};

/// The allocator the `brickkit` binary uses (see `src/main.rs`), so the figures match it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// User + system CPU seconds of this process (from `/proc/self/stat`, 100 ticks/s).
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn size_of(p: &Path) -> u64 {
    if p.is_dir() {
        std::fs::read_dir(p)
            .unwrap()
            .map(|e| size_of(&e.unwrap().path()))
            .sum()
    } else {
        std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
    }
}

fn child_read(path: &str) {
    let t = Instant::now();
    let s = store::read(Path::new(path)).expect("read");
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_secs();
    let rows = s.securables.len() + s.columns.len() + s.grants.len() + s.tags.len();
    println!("{secs:.3} {} {cpu:.2} {rows}", vm_hwm_kib());
    // Exit without freeing the model: the drop is not part of reading.
    std::process::exit(0);
}

fn read_in_child(path: &Path) -> (f64, u64, f64) {
    let out = Command::new(std::env::current_exe().unwrap())
        .arg("--child-read")
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "child read failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace();
    let secs: f64 = it.next().unwrap().parse().unwrap();
    let kib: u64 = it.next().unwrap().parse().unwrap();
    let cpu: f64 = it.next().unwrap().parse().unwrap();
    (secs, kib, cpu)
}

fn mib(b: u64) -> f64 {
    b as f64 / (1024.0 * 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--child-read") {
        child_read(&args[i + 1]);
        return;
    }
    // `--out DIR` keeps the written snapshots in DIR (for profiling) instead of a temp dir.
    let out_dir = args
        .iter()
        .position(|a| a == "--out")
        .map(|i| std::path::PathBuf::from(&args[i + 1]));
    let mut sizes: Vec<usize> = args
        .iter()
        .filter(|a| !a.starts_with("--") && Some(Path::new(a)) != out_dir.as_deref())
        .flat_map(|a| a.split(',').map(str::to_string).collect::<Vec<_>>())
        .filter_map(|a| a.trim().replace('_', "").parse().ok())
        .collect();
    if sizes.is_empty() {
        sizes = vec![10_000, 100_000];
    }
    let threads = rayon::current_num_threads();
    println!("store benchmark: {threads} rayon threads");
    println!(
        "| tables | rows | format | write s | read s (wall) | read s (CPU) | size MiB | read peak RSS MiB |"
    );
    println!("|---:|---:|---|---:|---:|---:|---:|---:|");
    for n in sizes {
        let tmp = tempfile::tempdir_in(std::env::temp_dir()).unwrap();
        let t = Instant::now();
        let s = generate_snapshot(&SynthSpec::with_tables(n, 0.01, 1));
        let gen_secs = t.elapsed().as_secs_f64();
        let rows = s.securables.len()
            + s.columns.len()
            + s.grants.len()
            + s.tags.len()
            + s.row_filters.len()
            + s.column_masks.len();
        eprintln!("generated {n} tables ({rows} rows) in {gen_secs:.2} s");
        let base = out_dir.clone().unwrap_or_else(|| tmp.path().to_path_buf());
        let pq = base.join(format!("snap-{n}"));
        let db = base.join(format!("snap-{n}.sqlite"));
        let t = Instant::now();
        store::write(&s, &pq).unwrap();
        let pq_write = t.elapsed().as_secs_f64();
        let t = Instant::now();
        store::write(&s, &db).unwrap();
        let db_write = t.elapsed().as_secs_f64();
        drop(s);
        let (pq_read, pq_kib, pq_cpu) = read_in_child(&pq);
        let (db_read, db_kib, db_cpu) = read_in_child(&db);
        println!(
            "| {n} | {rows} | parquet | {pq_write:.2} | {pq_read:.2} | {pq_cpu:.2} | {:.1} | {:.0} |",
            mib(size_of(&pq)),
            pq_kib as f64 / 1024.0
        );
        println!(
            "| {n} | {rows} | sqlite | {db_write:.2} | {db_read:.2} | {db_cpu:.2} | {:.1} | {:.0} |",
            mib(size_of(&db)),
            db_kib as f64 / 1024.0
        );
    }
}
