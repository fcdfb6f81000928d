//! `capiform templates test DIR [--update]`: a template set's own golden cases
//! ([`crate::template_set::cases`]), rendered and compared, with a reviewable diff.

use std::path::Path;

use crate::error::{Error, Result};
use crate::template_set::cases::{self, Outcome};

/// Run the cases of the set in `dir`: one line per case on stderr, the diff of each
/// changed case on stdout; an error (exit status 1) when a case failed or the set has
/// no case.
pub fn run(dir: &Path, update: bool) -> Result<()> {
    let results = cases::test_cases(dir, update)?;
    if results.is_empty() {
        return Err(Error::TemplateSet {
            set: dir.display().to_string(),
            message: "no cases: add cases/<name>/values.yaml and run `capiform templates test DIR --update` to write the expected render".into(),
        });
    }
    let mut diffs = String::new();
    let (mut failed, mut updated) = (0, 0);
    for r in &results {
        let word = match &r.outcome {
            Outcome::Passed => "ok",
            Outcome::Updated => {
                updated += 1;
                "updated"
            }
            Outcome::Failed(diff) => {
                failed += 1;
                diffs.push_str(diff);
                "FAILED"
            }
        };
        eprintln!("case {} ... {word}", r.name);
    }
    super::print_stdout(&diffs)?;
    eprintln!(
        "{} cases: {} passed, {failed} failed, {updated} updated",
        results.len(),
        results.len() - failed - updated
    );
    if failed > 0 {
        return Err(Error::TemplateSet {
            set: dir.display().to_string(),
            message: format!(
                "{failed} of {} cases render otherwise than expected (diff above); if the change is intended, `capiform templates test {} --update` writes the new renders",
                results.len(),
                dir.display()
            ),
        });
    }
    Ok(())
}
