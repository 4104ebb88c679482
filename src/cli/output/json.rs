//! A JSON array of records.

use std::io::{self, Write};

use crate::cli::record::Record;

/// Writes `records` as a pretty-printed JSON array.
pub fn write_array(
    records: impl Iterator<Item = io::Result<Record>>,
    out: &mut dyn Write,
) -> io::Result<()> {
    out.write_all(b"[")?;
    let mut empty = true;
    for record in records {
        out.write_all(if empty { b"\n" } else { b",\n" })?;
        serde_json::to_writer_pretty(&mut *out, &record?)?;
        empty = false;
    }
    out.write_all(if empty { b"]\n" } else { b"\n]\n" })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::record::Failure;

    #[test]
    fn arrays_parse_back_whatever_their_length() {
        let record = Record::error(
            "a.png".into(),
            None,
            Failure {
                api: "local".into(),
                kind: "bad_input".into(),
                code: "read".into(),
                message: "gone".into(),
            },
        );
        for n in [0, 1, 3] {
            let mut out = Vec::new();
            write_array((0..n).map(|_| Ok(record.clone())), &mut out).unwrap();
            let back: Vec<Record> = serde_json::from_slice(&out).unwrap();
            assert_eq!(back.len(), n);
        }
    }
}
