//! The values Magnum's Cluster API driver sends to helm render with capiform as the
//! reference chart renders them.
//!
//! `../shared/magnum/cases/*.output.json` record what the real driver sent to `helm
//! upgrade`; `../shared/magnum/values.py` extracts one values file per call. Each is
//! rendered by capiform and compared, by `../shared/parity/parity.py`, with `helm
//! template` of `../shared/reference-chart/openstack-cluster`. Helm is given the values
//! with the keys of older chart versions translated as capiform translates them (the
//! deliberate difference: helm would drop `apiServer.allowedCidrs` silently, see
//! docs/differences-from-the-chart.md and the golden case `magnum-allowed-cidrs`).
//!
//! Needs `../shared` (reported ignored without it, failing with `CI=true`), `python3`
//! with PyYAML and helm (`$HELM`, else `~/.cache/capiform/bin/helm`): without those the
//! test prints a loud `MAGNUM SKIPPED` line, and fails when `CI=true`.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
mod needs_shared;
use needs_shared::Test;

fn main() {
    needs_shared::main(&[Test {
        name: "magnum_values_render_as_the_chart_renders_them",
        needs: "../shared/magnum/values.py",
        programs: &["helm", "python3"],
        run: magnum_values_render_as_the_chart_renders_them,
    }]);
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn helm() -> Option<PathBuf> {
    needs_shared::program("helm")
}

/// Skip loudly, or fail under CI.
fn skip(why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("the Magnum referee cannot run under CI: {why}");
    }
    common::loud(&format!("\n======== MAGNUM SKIPPED: {why} ========\n"));
}

fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("{cmd:?}: cannot start: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The values as helm should get them: the keys of older chart versions translated
/// with capiform's dialect table (written as JSON, which helm reads as YAML).
fn translated_for_helm(values: &str) -> String {
    let set = capiform::TemplateSet::embedded(None).unwrap();
    let mut v = capiform::values::parse_document("values.yaml", values).unwrap();
    set.dialects()
        .unwrap()
        .apply(&mut v, "values.yaml", &mut Vec::new())
        .unwrap();
    serde_json::to_string_pretty(&v).unwrap()
}

/// One parity case folder per values file of one harness output.
fn make_cases(output: &Path, values_py: &Path, chart: &Path, helm: &Path, into: &Path) -> usize {
    let stem = output
        .file_name()
        .unwrap()
        .to_string_lossy()
        .trim_end_matches(".output.json")
        .to_string();
    let extracted = into.join(format!("_{stem}"));
    run(Command::new("python3")
        .arg(values_py)
        .arg(output)
        .arg(&extracted))
    .unwrap();
    let mut count = 0;
    let mut files: Vec<PathBuf> = std::fs::read_dir(&extracted)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".values.yaml"))
        .collect();
    files.sort();
    for values_file in files {
        let n = values_file
            .file_name()
            .unwrap()
            .to_string_lossy()
            .trim_end_matches(".values.yaml")
            .to_string();
        let release_line = std::fs::read_to_string(extracted.join(format!("{n}.release"))).unwrap();
        let mut fields = release_line.split_whitespace();
        let (release, namespace) = (fields.next().unwrap(), fields.next().unwrap());
        let case = into.join(format!("magnum-{stem}-{n}"));
        std::fs::create_dir_all(&case).unwrap();
        let values = std::fs::read_to_string(&values_file).unwrap();
        std::fs::write(case.join("values.yaml"), &values).unwrap();
        std::fs::write(
            case.join("case.yaml"),
            format!("release: {release}\nnamespace: {namespace}\n"),
        )
        .unwrap();
        let for_helm = case.join("helm-values.json");
        std::fs::write(&for_helm, translated_for_helm(&values)).unwrap();
        let expected = run(Command::new(helm)
            .arg("template")
            .arg(release)
            .arg(chart)
            .arg("--namespace")
            .arg(namespace)
            .arg("-f")
            .arg(&for_helm))
        .unwrap();
        std::fs::remove_file(&for_helm).unwrap();
        std::fs::write(case.join("expected.yaml"), expected).unwrap();
        count += 1;
    }
    std::fs::remove_dir_all(&extracted).unwrap();
    count
}

fn magnum_values_render_as_the_chart_renders_them() {
    let shared = root().join("../shared");
    let magnum = shared.join("magnum");
    let chart = shared.join("reference-chart/openstack-cluster");
    let parity = shared.join("parity/parity.py");
    if !magnum.join("values.py").is_file() || !chart.is_dir() || !parity.is_file() {
        return skip("../shared/magnum, the reference chart or parity.py is missing");
    }
    let Some(helm) = helm() else {
        return skip("helm is missing ($HELM or ~/.cache/capiform/bin/helm)");
    };
    if run(Command::new("python3").args(["-c", "import yaml"])).is_err() {
        return skip("python3 with PyYAML is missing");
    }
    let dir = tempfile::tempdir().unwrap();
    let mut outputs: Vec<PathBuf> = std::fs::read_dir(magnum.join("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".output.json"))
        .collect();
    outputs.sort();
    assert!(
        !outputs.is_empty(),
        "no Magnum outputs in {}",
        magnum.display()
    );
    let cases: usize = outputs
        .iter()
        .map(|o| make_cases(o, &magnum.join("values.py"), &chart, &helm, dir.path()))
        .sum();
    assert!(cases > 0, "the Magnum outputs hold no helm upgrade");
    let report = Command::new("python3")
        .arg(&parity)
        .arg("--bin")
        .arg(env!("CARGO_BIN_EXE_capiform"))
        .arg("--cases")
        .arg(dir.path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&report.stdout),
        String::from_utf8_lossy(&report.stderr)
    );
    eprintln!("{text}");
    assert!(
        report.status.success(),
        "Magnum values differ from the chart's rendering ({cases} values files):\n{text}"
    );
    assert!(
        text.contains(&format!("{cases} passed, 0 failed")),
        "parity did not pass all {cases} Magnum values files:\n{text}"
    );
}
