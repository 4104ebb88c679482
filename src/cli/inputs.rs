//! Which files a `recognize` run covers.
//!
//! Every path is canonicalised first, so `./a/x.ofd` and `a/x.ofd` are one input and records
//! name files the same way whatever the working folder. A file named on the command line is
//! always sent, whatever its extension (the API's own check then explains a refusal). Folders
//! are walked recursively in sorted order; each of their files is an input, and one whose
//! extension is no format of the chosen APIs is marked [`InputFile::unsupported`] (it gets a
//! record, but is not read). Hidden entries (`.name`) and symbolic links to folders (which
//! could loop) are skipped; a folder with no file at all is a usage error. `-` is standard
//! input, read as one file.

use std::collections::{BTreeSet, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use fapiao::api::FileFormat;

use super::CliError;

/// The path that names standard input (`fapiao recognize -`).
pub const STDIN: &str = "-";

/// One input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// Where to read it.
    pub path: PathBuf,
    /// The path as records show it (canonical).
    pub display: String,
    /// Found in a folder with an extension none of the chosen APIs accepts: recorded as
    /// skipped, never read or sent.
    pub unsupported: bool,
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

/// Every input under `paths`, in argument order, each folder's files sorted, repeated paths
/// dropped, and the run's own output files (`outputs`, canonical) left out of folders. A
/// path that does not exist or cannot be read, and a folder without files, are usage errors.
pub fn discover(
    paths: &[PathBuf],
    wanted: &BTreeSet<&str>,
    outputs: &HashSet<PathBuf>,
) -> Result<Vec<InputFile>, CliError> {
    let mut seen = HashSet::new();
    let mut inputs = Vec::new();
    for path in paths {
        if path.as_os_str() == STDIN {
            if seen.insert(STDIN.to_owned()) {
                inputs.push(InputFile {
                    path: path.clone(),
                    display: STDIN.to_owned(),
                    unsupported: false,
                });
            }
            continue;
        }
        let path = fs::canonicalize(path).map_err(|e| unreadable(path, &e))?;
        let meta = fs::metadata(&path).map_err(|e| unreadable(&path, &e))?;
        let mut found = Vec::new();
        if meta.is_dir() {
            walk(&path, &mut found)?;
            found.retain(|file| !outputs.contains(file));
            if found.is_empty() {
                return Err(CliError::usage(format!(
                    "no files in {} (hidden files are not read)",
                    path.display()
                )));
            }
            found.sort();
        } else {
            fs::File::open(&path).map_err(|e| unreadable(&path, &e))?;
            found.push(path);
        }
        for file in found {
            let display = file.display().to_string();
            if seen.insert(display.clone()) {
                let unsupported = meta.is_dir() && !has_extension(&file, wanted);
                inputs.push(InputFile {
                    path: file,
                    display,
                    unsupported,
                });
            }
        }
    }
    Ok(inputs)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), CliError> {
    let entries = fs::read_dir(dir).map_err(|e| unreadable(dir, &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| unreadable(dir, &e))?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| unreadable(&path, &e))?;
        if kind.is_dir() {
            walk(&path, found)?;
        } else if kind.is_file() || (kind.is_symlink() && path.is_file()) {
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
    fn folders_contribute_every_file_sorted_and_mark_the_unsupported_ones() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("in/b/c")).unwrap();
        for name in [
            "in/b/c/z.PNG",
            "in/b/a.ofd",
            "in/a.pdf",
            "in/notes.txt",
            "in/.hidden.png",
            "in/y.gif",
            "in/out.csv",
            "x.gif",
        ] {
            fs::write(root.join(name), b"x").unwrap();
        }
        let wanted = extensions_of([FileFormat::Png, FileFormat::Pdf, FileFormat::Ofd]);
        let gif = root.join("x.gif");
        let outputs = HashSet::from([fs::canonicalize(root.join("in/out.csv")).unwrap()]);
        let found = discover(
            &[root.join("in"), gif, root.join("in/b/../a.pdf")],
            &wanted,
            &outputs,
        )
        .unwrap();
        let root = fs::canonicalize(root).unwrap();
        let names: Vec<_> = found
            .iter()
            .map(|f| {
                let name = f.path.strip_prefix(&root).unwrap().to_string_lossy();
                (name.into_owned(), f.unsupported)
            })
            .collect();
        // Every file but the hidden one is an input; the folder's GIF and text file are
        // unsupported, the GIF named explicitly is not; the second mention of a.pdf (spelled
        // differently) is the same input.
        let expected = [
            ("in/a.pdf", false),
            ("in/b/a.ofd", false),
            ("in/b/c/z.PNG", false),
            ("in/notes.txt", true),
            ("in/y.gif", true),
            ("x.gif", false),
        ];
        assert_eq!(names, expected.map(|(n, u)| (n.to_owned(), u)));
    }

    #[test]
    fn a_folder_without_files_is_a_usage_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("empty")).unwrap();
        fs::write(dir.path().join("empty/.hidden.png"), b"x").unwrap();
        let err = discover(
            &[dir.path().join("empty")],
            &BTreeSet::new(),
            &HashSet::new(),
        )
        .unwrap_err();
        assert!(matches!(err, CliError::Usage(m) if m.contains("no files in")));
    }

    #[test]
    fn a_missing_path_is_a_usage_error_naming_it() {
        let err = discover(
            &[PathBuf::from("/no/such/file.png")],
            &BTreeSet::new(),
            &HashSet::new(),
        )
        .unwrap_err();
        match err {
            CliError::Usage(message) => assert!(message.contains("/no/such/file.png"), "{message}"),
            other => panic!("expected a usage error, got {other:?}"),
        }
    }
}
