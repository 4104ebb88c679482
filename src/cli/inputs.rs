//! Which files a `recognize` run covers, and their content hashes.
//!
//! A file named on the command line is always an input, whatever its extension (so a GIF
//! named explicitly gets an error record). Folders are walked recursively in sorted order and
//! contribute the files whose extension belongs to a format one of the chosen APIs accepts;
//! hidden entries (`.name`) and symbolic links to folders (which could loop) are skipped.

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use fapiao::api::FileFormat;

use super::CliError;

/// One input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// Where to read it.
    pub path: PathBuf,
    /// The path as records show it.
    pub display: String,
}

/// File-name extensions (lower case) of a format.
fn extensions(format: FileFormat) -> &'static [&'static str] {
    match format {
        FileFormat::Png => &["png"],
        FileFormat::Jpeg => &["jpg", "jpeg", "jpe"],
        FileFormat::Bmp => &["bmp"],
        FileFormat::Tiff => &["tif", "tiff"],
        FileFormat::Webp => &["webp"],
        FileFormat::Gif => &["gif"],
        FileFormat::Pdf => &["pdf"],
        FileFormat::Ofd => &["ofd"],
        FileFormat::Xml => &["xml"],
    }
}

/// The extensions of every format in `formats`.
pub fn extensions_of(formats: impl IntoIterator<Item = FileFormat>) -> BTreeSet<&'static str> {
    formats.into_iter().flat_map(extensions).copied().collect()
}

/// Every input under `paths`, in argument order, each folder's files sorted, duplicates
/// dropped. A path that does not exist or cannot be read is a usage error.
pub fn discover(paths: &[PathBuf], wanted: &BTreeSet<&str>) -> Result<Vec<InputFile>, CliError> {
    let mut seen = HashSet::new();
    let mut inputs = Vec::new();
    for path in paths {
        let meta = fs::metadata(path).map_err(|e| unreadable(path, &e))?;
        let mut found = Vec::new();
        if meta.is_dir() {
            walk(path, wanted, &mut found)?;
            found.sort();
        } else {
            fs::File::open(path).map_err(|e| unreadable(path, &e))?;
            found.push(path.clone());
        }
        for path in found {
            let display = path.display().to_string();
            if seen.insert(display.clone()) {
                inputs.push(InputFile { path, display });
            }
        }
    }
    Ok(inputs)
}

fn walk(dir: &Path, wanted: &BTreeSet<&str>, found: &mut Vec<PathBuf>) -> Result<(), CliError> {
    let entries = fs::read_dir(dir).map_err(|e| unreadable(dir, &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| unreadable(dir, &e))?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| unreadable(&path, &e))?;
        if kind.is_dir() {
            walk(&path, wanted, found)?;
        } else if (kind.is_file() || (kind.is_symlink() && path.is_file()))
            && has_extension(&path, wanted)
        {
            found.push(path);
        }
    }
    Ok(())
}

fn has_extension(path: &Path, wanted: &BTreeSet<&str>) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| wanted.contains(e.to_ascii_lowercase().as_str()))
}

fn unreadable(path: &Path, err: &std::io::Error) -> CliError {
    CliError::usage(format!("cannot read {}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_contribute_sorted_files_with_wanted_extensions() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("b/c")).unwrap();
        for name in [
            "b/c/z.PNG",
            "b/a.ofd",
            "a.pdf",
            "notes.txt",
            ".hidden.png",
            "x.gif",
        ] {
            fs::write(root.join(name), b"x").unwrap();
        }
        let wanted = extensions_of([FileFormat::Png, FileFormat::Pdf, FileFormat::Ofd]);
        let gif = root.join("x.gif");
        let found = discover(
            &[root.to_path_buf(), gif.clone(), root.join("a.pdf")],
            &wanted,
        )
        .unwrap();
        let names: Vec<_> = found
            .iter()
            .map(|f| {
                f.path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        // The explicit GIF is kept; the folder's GIF, text and hidden files are not; the
        // second mention of a.pdf is a duplicate.
        assert_eq!(names, ["a.pdf", "b/a.ofd", "b/c/z.PNG", "x.gif"]);
    }

    #[test]
    fn a_missing_path_is_a_usage_error_naming_it() {
        let err = discover(&[PathBuf::from("/no/such/file.png")], &BTreeSet::new()).unwrap_err();
        match err {
            CliError::Usage(message) => assert!(message.contains("/no/such/file.png"), "{message}"),
            other => panic!("expected a usage error, got {other:?}"),
        }
    }
}
