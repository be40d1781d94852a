//! `multipart/form-data` bodies: the form with files. Read as a stream with `multer` (the
//! parser axum's own extractor uses), with the size caps enforced while reading: the text
//! fields become the same [`RawInquiry`] as a urlencoded form's (one contract for every
//! encoding), the parts of the `attachments` field become files, still unchecked.

use axum::body::Body;
use multer::{Constraints, Multipart, SizeLimit};

use crate::attachments::{self, AttachmentProblem, limits, shown_name};
use crate::inquiry::RawInquiry;

/// What a multipart body held.
#[derive(Debug)]
pub(super) struct Received {
    /// The text fields.
    pub(super) raw: RawInquiry,
    /// The files of the `attachments` field: name and content, in order.
    pub(super) files: Vec<(String, Vec<u8>)>,
    /// Text fields sent as file parts (refused as not text).
    pub(super) text_sent_as_file: Vec<String>,
}

/// Why a multipart body could not be read.
#[derive(Debug)]
pub(super) enum ReadError {
    /// Not well-formed multipart (no boundary, a wrong one, cut short...).
    Malformed(String),
    /// Over the body cap, with no file to name (a text part, or between parts).
    TooLarge,
    /// A problem with the files, naming one.
    Attachment(AttachmentProblem),
}

/// The boundary of a `multipart/form-data` content type.
pub(super) fn boundary(content_type: &str) -> Result<String, ReadError> {
    multer::parse_boundary(content_type).map_err(|_| {
        ReadError::Malformed(
            "the body is not valid multipart/form-data: its content type names no boundary"
                .to_string(),
        )
    })
}

/// Reads the body, stopping at the caps: [`limits::MULTIPART_BODY_BYTES`] for everything,
/// [`limits::FILES`] files and [`limits::TOTAL_BYTES`] for the files together.
pub(super) async fn read(body: Body, boundary: String) -> Result<Received, ReadError> {
    let constraints = Constraints::new()
        .size_limit(SizeLimit::new().whole_stream(limits::MULTIPART_BODY_BYTES as u64));
    let mut multipart = Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let mut pairs = Vec::new();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut text_sent_as_file = Vec::new();
    let mut total = 0usize;
    let mut digest = blake3::Hasher::new();
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        if name == attachments::FIELD {
            let Some(file_name) = file_name else {
                return Err(ReadError::Attachment(AttachmentProblem::NotAFile));
            };
            let mut content = Vec::new();
            while let Some(chunk) = field
                .chunk()
                .await
                .map_err(|e| over_or_malformed(e, &file_name))?
            {
                total += chunk.len();
                if total > limits::TOTAL_BYTES {
                    return Err(ReadError::Attachment(AttachmentProblem::TooLarge {
                        file: shown_name(&file_name),
                        max: limits::TOTAL_BYTES,
                    }));
                }
                content.extend_from_slice(&chunk);
            }
            // A file input left empty sends a part with no name and no content: no file.
            if file_name.is_empty() && content.is_empty() {
                continue;
            }
            if files.len() == limits::FILES {
                return Err(ReadError::Attachment(AttachmentProblem::TooMany(
                    limits::FILES,
                )));
            }
            for part in [file_name.as_bytes(), &content] {
                digest.update(&(part.len() as u64).to_le_bytes());
                digest.update(part);
            }
            files.push((file_name, content));
        } else {
            let text = field.text().await.map_err(|e| match e {
                multer::Error::StreamSizeExceeded { .. } => ReadError::TooLarge,
                other => malformed(other),
            })?;
            if file_name.is_some() {
                text_sent_as_file.push(name.clone());
            }
            pairs.push((name, text));
        }
    }
    let mut raw = RawInquiry::from_pairs(pairs);
    if !files.is_empty() {
        raw.files_digest = Some(*digest.finalize().as_bytes());
    }
    Ok(Received {
        raw,
        files,
        text_sent_as_file,
    })
}

fn malformed(error: multer::Error) -> ReadError {
    match error {
        multer::Error::StreamSizeExceeded { .. } => ReadError::TooLarge,
        other => ReadError::Malformed(format!(
            "the body is not valid multipart/form-data: {other}"
        )),
    }
}

fn over_or_malformed(error: multer::Error, file_name: &str) -> ReadError {
    match error {
        multer::Error::StreamSizeExceeded { .. } => {
            ReadError::Attachment(AttachmentProblem::TooLarge {
                file: shown_name(file_name),
                max: limits::TOTAL_BYTES,
            })
        }
        other => malformed(other),
    }
}
