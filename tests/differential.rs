//! Differential test against real Helm: random values must render what `helm template`
//! of the reference chart renders.
//!
//! Each round draws a batch of cases with `../shared/parity/fuzz_values.py` and with
//! this suite's own generator (`tests/differential/extra_values.py`, parts of the values
//! space the first never draws), each case's `expected.yaml` coming from a real Helm;
//! the documented differences from the chart (`docs/differences-from-the-chart.md`) are
//! applied to Helm's output (`tests/differential/chart_differences.py`), then the
//! referee `../shared/parity/parity.py` compares capiform's render with it. Every case is
//! a pure function of its seed and index, and every failing one is printed with its
//! seed, its index and the command that regenerates it.
//!
//! Two tests run it:
//! - `pinned_values_render_as_helm_renders_them`: the seeds from `PINNED_FIRST_SEED`,
//!   `PINNED_ROUNDS` rounds with `CI=true` (one elsewhere). The same cases on every
//!   run, so it passes or fails on capiform's changes alone. It fails when a case Helm
//!   refuses is accepted, or when fewer than `CAPIFORM_DIFF_MIN_IDENTICAL` percent
//!   (default 99.5) of the cases Helm renders are identical.
//! - `fresh_values_render_as_helm_renders_them`: a new seed every run, printed, rounds
//!   until the time budget is spent. This is what finds new misses; it fails when more
//!   than 0.5 % of its cases are not as Helm has them. `just fuzz` runs it for ten
//!   minutes.
//!
//! Environment:
//! - `CAPIFORM_DIFF_SEED`, `CAPIFORM_DIFF_ROUNDS`: the pinned test's first seed and
//!   rounds (a fresh run prints the values that repeat it).
//! - `CAPIFORM_DIFF_SECONDS`: the fresh test's time budget (default 180 with `CI=true`,
//!   else 60; 0 skips it).
//! - `CAPIFORM_DIFF_MIN_IDENTICAL`: the percentage both tests require (default 99.5).
//! - `CAPIFORM_DIFF_MASKS`: comma-separated `fuzz_values.py --mask` classes (default
//!   `metadata-leak,numeric-names`, two documented differences from the chart).
//! - `HELM`: the helm binary (default `~/.cache/capiform/bin/helm`, where `.ci/run`
//!   installs helm 3.17.3).
//!
//! Without helm or `../shared`, the test is skipped with a loud message, except under
//! `CI=true`, where it fails.
//!
//! A third test runs the referee over `tests/differential/cases/`: one small case per
//! class of difference these runs found, with Helm's output checked in (the documented
//! differences applied), so a regression shows without helm.

mod common;
mod needs_shared;

use common::loud;
use needs_shared::Test;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Cases per generator and round.
const BATCH: usize = 60;
/// Cases of this suite's own generator per round.
const EXTRA_BATCH: usize = 20;
fn main() {
    needs_shared::main(&[
        Test {
            name: "pinned_values_render_as_helm_renders_them",
            needs: "../shared/parity/fuzz_values.py",
            programs: &["helm", "python3"],
            run: pinned_values_render_as_helm_renders_them,
        },
        Test {
            name: "fresh_values_render_as_helm_renders_them",
            needs: "../shared/parity/fuzz_values.py",
            programs: &["helm", "python3"],
            run: fresh_values_render_as_helm_renders_them,
        },
        Test {
            name: "regression_cases_render_as_helm_rendered_them",
            needs: "../shared/parity/parity.py",
            programs: &["python3"],
            run: regression_cases_render_as_helm_rendered_them,
        },
    ]);
}

/// First seed of a pinned run.
const PINNED_FIRST_SEED: u64 = 7000;
/// Rounds of a pinned run (80 cases each).
const PINNED_ROUNDS: u64 = 8;

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn helm() -> PathBuf {
    needs_shared::program("helm").unwrap_or_else(|| "helm".into())
}

/// Stop here: loudly on a laptop, as a failure in CI.
fn skip(why: &str) {
    if in_ci() {
        panic!("differential test cannot run in CI: {why}");
    }
    loud(&format!(
        "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
         !! DIFFERENTIAL TEST AGAINST HELM SKIPPED: {why}\n\
         !! Run .ci/run once (it installs helm), with ../shared beside the project.\n\
         !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
    ));
}

fn env_number<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().map(|v| {
        v.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number"))
    })
}

/// One generated case: where it is, and how to make it again.
struct Case {
    dir: PathBuf,
    regenerate: String,
}

/// What the referee said about one case.
struct Verdict {
    name: String,
    ok: bool,
    helm_refused: bool,
    problems: Vec<String>,
}

/// The generators: `fuzz_values.py` from `../shared` and this suite's own.
struct Generators {
    fuzz: PathBuf,
    extra: PathBuf,
    masks: Vec<String>,
}

impl Generators {
    fn mask_args(&self) -> Vec<String> {
        self.masks
            .iter()
            .flat_map(|m| ["--mask".to_string(), m.clone()])
            .collect()
    }

    /// Run a generator for `seed` into `out` (and `out-helmfail`).
    fn draw(&self, script: &Path, seed: u64, count: usize, out: &Path, masks: bool) {
        let mut cmd = Command::new("python3");
        cmd.arg(script)
            .args(["--seed", &seed.to_string(), "--count", &count.to_string()])
            .arg("--out")
            .arg(out)
            .args(["--jobs", "2"])
            .env("HELM", helm());
        if masks {
            cmd.args(self.mask_args());
        }
        let status = cmd.output().expect("python3 runs the generators");
        assert!(
            status.status.success(),
            "{} failed: {}",
            script.display(),
            String::from_utf8_lossy(&status.stderr)
        );
    }

    /// The shell command that regenerates one case of `script`.
    fn regenerate(&self, script: &Path, seed: u64, index: usize, masks: bool) -> String {
        let masks = if masks {
            format!(" {}", self.mask_args().join(" "))
        } else {
            String::new()
        };
        format!(
            "HELM={} python3 {} --seed {seed} --only {index} --out /tmp/repro-{seed}-{index}{masks} && python3 {} /tmp/repro-{seed}-{index}* && python3 ../shared/parity/parity.py --bin target/debug/capiform --cases /tmp/repro-{seed}-{index}",
            helm().display(),
            script.display(),
            repo()
                .join("tests/differential/chart_differences.py")
                .display(),
        )
    }
}

/// The case folders of `out` and `out-helmfail`, each with its regeneration command.
fn cases_of(out: &Path, make: impl Fn(usize) -> String) -> Vec<Case> {
    let mut cases = Vec::new();
    for dir in [
        out.to_path_buf(),
        PathBuf::from(format!("{}-helmfail", out.display())),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if !path.is_dir() {
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let index = name
                .rsplit('-')
                .next()
                .and_then(|i| i.parse().ok())
                .unwrap_or(0);
            cases.push(Case {
                dir: path,
                regenerate: make(index),
            });
        }
    }
    cases
}

/// Apply the documented differences to Helm's output in these case folders.
fn apply_chart_differences(dirs: &[&Path]) {
    let status = Command::new("python3")
        .arg(repo().join("tests/differential/chart_differences.py"))
        .args(dirs)
        .output()
        .expect("python3 runs chart_differences.py");
    assert!(
        status.status.success(),
        "chart_differences.py failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

/// Run the referee over one folder of cases.
fn referee(parity: &Path, cases: &Path) -> Vec<Verdict> {
    if !cases.is_dir() {
        return Vec::new();
    }
    let out = Command::new("python3")
        .arg(parity)
        .arg("--bin")
        .arg(env!("CARGO_BIN_EXE_capiform"))
        .arg("--cases")
        .arg(cases)
        .args(["--json", "--show", "12"])
        .output()
        .expect("python3 runs parity.py");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json_end = stdout.rfind("\nparity:").unwrap_or(stdout.len());
    let parsed: serde_json::Value = serde_json::from_str(&stdout[..json_end])
        .unwrap_or_else(|e| panic!("parity.py output is not JSON ({e}): {stdout}"));
    let helm_refused = cases.to_string_lossy().ends_with("-helmfail");
    parsed
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(name, r)| Verdict {
                    name: name.clone(),
                    ok: r["status"] == "ok",
                    helm_refused,
                    problems: r["problems"]
                        .as_array()
                        .map(|p| {
                            p.iter()
                                .map(|x| x.as_str().unwrap_or("").to_string())
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What the referee found over some rounds.
#[derive(Default)]
struct Tally {
    first_seed: u64,
    rounds: u64,
    rendered: usize,
    identical: usize,
    refused: usize,
    accepted_refusals: usize,
    seconds: f64,
}

impl Tally {
    fn percent_identical(&self) -> f64 {
        if self.rendered == 0 {
            100.0
        } else {
            100.0 * self.identical as f64 / self.rendered as f64
        }
    }

    /// Cases that are not as Helm has them: misses and accepted refusals.
    fn failures(&self) -> usize {
        self.rendered - self.identical + self.accepted_refusals
    }

    fn summary(&self, kind: &str) -> String {
        format!(
            "differential test ({kind}): seeds {}..{}, {} cases rendered by helm, {} identical ({:.2} %), {} refused by helm ({} accepted by capiform), {:.0} s",
            self.first_seed,
            self.first_seed + self.rounds.saturating_sub(1),
            self.rendered,
            self.identical,
            self.percent_identical(),
            self.refused,
            self.accepted_refusals,
            self.seconds
        )
    }
}

/// Everything a run needs, or why it cannot run (`None` after a loud skip).
fn prepare() -> Option<(Generators, PathBuf)> {
    let shared = repo().join("../shared/parity");
    if !shared.join("fuzz_values.py").is_file() || !shared.join("parity.py").is_file() {
        skip(&format!("{} not found", shared.display()));
        return None;
    }
    if !helm().is_file() {
        skip(&format!("no helm at {} (set HELM)", helm().display()));
        return None;
    }
    if !repo()
        .join("../shared/reference-chart/openstack-cluster")
        .is_dir()
    {
        skip("../shared/reference-chart/openstack-cluster not found");
        return None;
    }
    let masks: Vec<String> = std::env::var("CAPIFORM_DIFF_MASKS")
        .unwrap_or_else(|_| "metadata-leak,numeric-names".into())
        .split(',')
        .map(|m| m.trim().to_string())
        .filter(|m| !m.is_empty())
        .collect();
    let gens = Generators {
        fuzz: shared.join("fuzz_values.py"),
        extra: repo().join("tests/differential/extra_values.py"),
        masks,
    };
    Some((gens, shared.join("parity.py")))
}

/// Draw and referee rounds from `first_seed` on: `rounds` of them, or as many as fit in
/// `budget` (a run of fixed rounds that reaches the budget stops early and says so).
/// Every failing case is printed with the command that regenerates it.
fn run_rounds(
    gens: &Generators,
    parity: &Path,
    first_seed: u64,
    rounds: Option<u64>,
    budget: Duration,
) -> Tally {
    let work = std::env::temp_dir().join(format!("capiform-differential-{first_seed}"));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).expect("a scratch directory");
    let start = Instant::now();
    let mut tally = Tally {
        first_seed,
        ..Tally::default()
    };
    while rounds.is_none_or(|r| tally.rounds < r) {
        if start.elapsed() >= budget {
            if let Some(r) = rounds {
                eprintln!(
                    "differential test: the {} s budget ran out after {} of {r} rounds",
                    budget.as_secs(),
                    tally.rounds
                );
            }
            break;
        }
        let seed = first_seed + tally.rounds;
        tally.rounds += 1;
        let fuzz_out = work.join(format!("fuzz-{seed}"));
        let extra_out = work.join(format!("extra-{seed}"));
        gens.draw(&gens.fuzz, seed, BATCH, &fuzz_out, true);
        gens.draw(&gens.extra, seed, EXTRA_BATCH, &extra_out, false);
        let mut cases = cases_of(&fuzz_out, |i| gens.regenerate(&gens.fuzz, seed, i, true));
        cases.extend(cases_of(&extra_out, |i| {
            gens.regenerate(&gens.extra, seed, i, false)
        }));
        let dirs: Vec<PathBuf> = [&fuzz_out, &extra_out]
            .iter()
            .flat_map(|o| {
                [
                    o.to_path_buf(),
                    PathBuf::from(format!("{}-helmfail", o.display())),
                ]
            })
            .filter(|d| d.is_dir())
            .collect();
        apply_chart_differences(&dirs.iter().map(PathBuf::as_path).collect::<Vec<_>>());
        for dir in &dirs {
            for v in referee(parity, dir) {
                if v.helm_refused {
                    tally.refused += 1;
                } else {
                    tally.rendered += 1;
                }
                if v.ok {
                    if !v.helm_refused {
                        tally.identical += 1;
                    }
                    continue;
                }
                if v.helm_refused {
                    tally.accepted_refusals += 1;
                }
                let regenerate = cases
                    .iter()
                    .find(|c| c.dir.file_name().is_some_and(|n| n == v.name.as_str()))
                    .map_or(String::new(), |c| c.regenerate.clone());
                let index = v.name.rsplit('-').next().unwrap_or("?");
                let mut report = format!(
                    "case {} (seed {seed}, index {index}){}:\n  regenerate: {regenerate}\n",
                    v.name,
                    if v.helm_refused {
                        ", which helm refuses"
                    } else {
                        ""
                    }
                );
                for p in v.problems.iter().take(12) {
                    report.push_str(&format!("  {p}\n"));
                }
                eprintln!("{report}");
            }
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    tally.seconds = start.elapsed().as_secs_f64();
    tally
}

fn min_identical() -> f64 {
    env_number::<f64>("CAPIFORM_DIFF_MIN_IDENTICAL").unwrap_or(99.5)
}

/// The pinned seeds (or `CAPIFORM_DIFF_SEED`): the same cases every run, so the result
/// depends on capiform alone. Strict: no refusal of Helm's accepted, at least 99.5 %
/// identical.
fn pinned_values_render_as_helm_renders_them() {
    let first_seed = match std::env::var("CAPIFORM_DIFF_SEED") {
        Ok(s) => s
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("CAPIFORM_DIFF_SEED={s:?} is not a number")),
        Err(_) => PINNED_FIRST_SEED,
    };
    let rounds = env_number::<u64>("CAPIFORM_DIFF_ROUNDS").unwrap_or(if in_ci() {
        PINNED_ROUNDS
    } else {
        1
    });
    if rounds == 0 {
        eprintln!("differential test (pinned): CAPIFORM_DIFF_ROUNDS=0, nothing to do");
        return;
    }
    let Some((gens, parity)) = prepare() else {
        return;
    };
    loud(&format!(
        "differential test (pinned): seeds {first_seed}.., {rounds} rounds, masks {:?}",
        gens.masks
    ));
    let tally = run_rounds(
        &gens,
        &parity,
        first_seed,
        Some(rounds),
        Duration::from_secs(900),
    );
    loud(&tally.summary("pinned"));
    assert_eq!(
        tally.accepted_refusals, 0,
        "capiform accepted values that helm refuses (see the cases above)"
    );
    let percent = tally.percent_identical();
    assert!(
        percent >= min_identical(),
        "only {percent:.2} % of the cases helm renders are identical (at least {} % required); the failing cases are listed above",
        min_identical()
    );
}

/// A new seed every run (printed), rounds until the time budget is spent: this is
/// what finds new misses. Every failure is printed; the run fails when more than
/// 0.5 % of its cases (misses and accepted refusals together) are not as Helm has them.
fn fresh_values_render_as_helm_renders_them() {
    let budget =
        env_number::<u64>("CAPIFORM_DIFF_SECONDS").unwrap_or(if in_ci() { 180 } else { 60 });
    if budget == 0 {
        eprintln!("differential test (fresh): CAPIFORM_DIFF_SECONDS=0, nothing to do");
        return;
    }
    let Some((gens, parity)) = prepare() else {
        return;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    // Seeds in a range of their own, apart from the pinned ones and those used by hand.
    let first_seed = 1_000_000 + (now.as_secs() ^ u64::from(now.subsec_nanos())) % 1_000_000_000;
    loud(&format!(
        "differential test (fresh): first seed {first_seed} (CAPIFORM_DIFF_SEED={first_seed} CAPIFORM_DIFF_ROUNDS=N cargo test --test differential pinned repeats it), budget {budget} s, masks {:?}",
        gens.masks
    ));
    let tally = run_rounds(
        &gens,
        &parity,
        first_seed,
        None,
        Duration::from_secs(budget),
    );
    loud(&tally.summary("fresh"));
    let cases = tally.rendered + tally.refused;
    let allowed = (cases as f64 * (100.0 - min_identical()) / 100.0).floor() as usize;
    assert!(
        tally.failures() <= allowed,
        "{} of {cases} freshly drawn cases are not as helm has them (at most {allowed} allowed); the failing cases are listed above",
        tally.failures()
    );
}

fn regression_cases_render_as_helm_rendered_them() {
    let parity = repo().join("../shared/parity/parity.py");
    if !parity.is_file() {
        return skip(&format!("{} not found", parity.display()));
    }
    let cases = repo().join("tests/differential/cases");
    let verdicts = referee(&parity, &cases);
    assert!(!verdicts.is_empty(), "no cases in {}", cases.display());
    let failed: Vec<String> = verdicts
        .iter()
        .filter(|v| !v.ok)
        .map(|v| format!("{}:\n  {}", v.name, v.problems.join("\n  ")))
        .collect();
    assert!(
        failed.is_empty(),
        "regression cases differ from Helm's output:\n{}",
        failed.join("\n")
    );
}
