//! `render --output-dir DIR`: the directory holds exactly the last render, one file per
//! object, so that `kubectl apply -f DIR` or a GitOps repository never brings back an
//! object a later render dropped.
//!
//! capiform lists the files it wrote in `DIR/.capiform-files` (a name `kubectl apply -f`
//! skips: it reads `.yaml`, `.yml` and `.json` files only). Before writing, it removes
//! the files of that list; it refuses a non-empty directory it did not write, and a
//! directory holding files that are not on its list, naming them, rather than delete
//! or mix with what it does not own.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::object::Object;

/// The list of the files capiform wrote into an output directory.
pub const MARKER: &str = ".capiform-files";

/// The first line of the marker file; the file names follow, one a line.
const MARKER_HEADER: &str = "# Written by capiform render --output-dir: the files of the last render. capiform deletes them before the next one.";

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The file names listed in a marker file's text.
fn listed_files(marker_text: &str) -> Vec<String> {
    marker_text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// The names of a directory's entries, sorted.
fn entries(dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io_error(dir, e))? {
        let entry = entry.map_err(|e| io_error(dir, e))?;
        names.push(entry.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

/// What to delete before writing into `dir`: the files of the previous render. An
/// absent or empty directory has none; a directory with files capiform did not write
/// is an error naming them.
fn previous_render(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let names = entries(dir)?;
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let marker = dir.join(MARKER);
    if !marker.is_file() {
        return Err(Error::Usage(format!(
            "{}: the directory is not empty and capiform did not write it (no {MARKER}); \
             give an empty or new directory",
            dir.display()
        )));
    }
    let text = std::fs::read_to_string(&marker).map_err(|e| io_error(&marker, e))?;
    let listed = listed_files(&text);
    // A listed name must be a plain file name: the list never points outside `dir`.
    if let Some(bad) = listed
        .iter()
        .find(|n| n.contains('/') || n.contains('\\') || n.starts_with('.'))
    {
        return Err(Error::Usage(format!(
            "{}: lists '{bad}', which is not a file capiform writes; remove the directory's contents by hand",
            marker.display()
        )));
    }
    let foreign: Vec<&String> = names
        .iter()
        .filter(|n| n.as_str() != MARKER && !listed.contains(n))
        .collect();
    if !foreign.is_empty() {
        let shown: Vec<&str> = foreign.iter().take(5).map(|s| s.as_str()).collect();
        return Err(Error::Usage(format!(
            "{}: holds {} file(s) capiform did not write ({}{}); move them elsewhere: the directory holds exactly the render",
            dir.display(),
            foreign.len(),
            shown.join(", "),
            if foreign.len() > shown.len() {
                ", …"
            } else {
                ""
            }
        )));
    }
    Ok(listed.iter().map(|n| dir.join(n)).collect())
}

/// The file of an object: `NNN-kind-name.yaml`, numbered in output order so that the
/// directory lists in the same order as the stream.
fn file_name(index: usize, obj: &Object) -> String {
    format!(
        "{index:03}-{}-{}.yaml",
        obj.kind.to_ascii_lowercase(),
        obj.metadata.name
    )
}

/// Write `objects` into `dir`, one file per object, replacing the previous render.
pub fn write(dir: &Path, objects: &[Object]) -> Result<()> {
    let old = previous_render(dir)?;
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    for path in &old {
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(path, e)),
        }
    }
    let mut list = String::from(MARKER_HEADER);
    list.push('\n');
    for (i, obj) in objects.iter().enumerate() {
        let name = file_name(i, obj);
        let path = dir.join(&name);
        std::fs::write(&path, crate::output::to_yaml(std::slice::from_ref(obj)))
            .map_err(|e| io_error(&path, e))?;
        list.push_str(&name);
        list.push('\n');
    }
    let marker = dir.join(MARKER);
    std::fs::write(&marker, list).map_err(|e| io_error(&marker, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::ObjectMeta;

    fn object(kind: &str, name: &str) -> Object {
        Object::new("v1", kind, ObjectMeta::named(name), serde_json::json!({})).unwrap()
    }

    #[test]
    fn the_directory_holds_exactly_the_last_render() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        write(&dir, &[object("ConfigMap", "a"), object("ConfigMap", "b")]).unwrap();
        assert_eq!(
            entries(&dir).unwrap(),
            [MARKER, "000-configmap-a.yaml", "001-configmap-b.yaml"]
        );
        // `b` dropped, `c` added: nothing of the first render survives.
        write(&dir, &[object("ConfigMap", "c")]).unwrap();
        assert_eq!(entries(&dir).unwrap(), [MARKER, "000-configmap-c.yaml"]);
        let list = std::fs::read_to_string(dir.join(MARKER)).unwrap();
        assert_eq!(listed_files(&list), ["000-configmap-c.yaml"]);
    }

    #[test]
    fn files_are_numbered_in_output_order() {
        assert_eq!(
            file_name(3, &object("ServiceAccount", "sa")),
            "003-serviceaccount-sa.yaml"
        );
    }

    #[test]
    fn an_empty_directory_is_used() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), &[object("ConfigMap", "a")]).unwrap();
        assert!(tmp.path().join("000-configmap-a.yaml").is_file());
    }

    #[test]
    fn a_directory_capiform_did_not_write_is_refused_untouched() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("mine.yaml"), "x: 1").unwrap();
        let err = write(tmp.path(), &[object("ConfigMap", "a")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("capiform did not write it"), "{err}");
        assert_eq!(entries(tmp.path()).unwrap(), ["mine.yaml"]);
    }

    #[test]
    fn a_foreign_file_beside_a_render_is_named_and_nothing_is_deleted() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), &[object("ConfigMap", "a")]).unwrap();
        std::fs::write(tmp.path().join("kustomization.yaml"), "resources: []").unwrap();
        let err = write(tmp.path(), &[object("ConfigMap", "b")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("kustomization.yaml"), "{err}");
        assert!(tmp.path().join("000-configmap-a.yaml").is_file());
    }

    #[test]
    fn a_list_pointing_outside_the_directory_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join(MARKER), "../etc/passwd\n").unwrap();
        let err = write(tmp.path(), &[]).unwrap_err().to_string();
        assert!(err.contains("not a file capiform writes"), "{err}");
    }
}
