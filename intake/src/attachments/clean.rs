//! Each format's structure check (a file cut short is refused) and metadata removal, by
//! rewriting the container with `img-parts`: the compressed pixels are copied as they are,
//! never decoded or encoded again.
//!
//! Removed: JPEG's APP1 (EXIF, with GPS and camera, and XMP), APP3 to APP13 (IPTC and makers'
//! data), APP15, comments, the MPF index and anything after the image's end (the extra
//! pictures MPF lists carry their own EXIF); PNG's chunks other than the image's own (`eXIf`,
//! the text chunks that carry XMP, `tIME`...); WebP's `EXIF` and `XMP ` chunks;
//! GIF's comment and application extensions (XMP) but the animation's loop count; a PDF's
//! document information (author, software, dates) and XMP streams (rewritten by lopdf; kept as
//! sent when it cannot be, an encrypted PDF say). Between a
//! progressive JPEG's scans every APPn and COM segment is removed too. Kept: what
//! the picture needs to look right (JFIF, the ICC colour profile, Adobe's colour transform,
//! PNG's palette, transparency, gamma and colour chunks, animation), and the photo's
//! orientation: a phone stores a portrait photo sideways with an EXIF Orientation tag, so when
//! there was one (other than "upright"), a new EXIF block holding that tag alone replaces the
//! old one.

use img_parts::jpeg::{Jpeg, JpegSegment, markers};
use img_parts::png::Png;
use img_parts::webp::WebP;
use img_parts::{Bytes, ImageEXIF as _};

use super::Kind;

/// The file checked and cleaned, or `Err` when it is damaged or cut short.
pub(super) fn clean(kind: Kind, bytes: Vec<u8>) -> Result<Vec<u8>, ()> {
    match kind {
        Kind::Jpeg => jpeg(bytes),
        Kind::Png => png(bytes),
        Kind::Webp => webp(bytes),
        Kind::Gif => gif(bytes),
        Kind::Pdf => pdf(bytes),
    }
}

/// The EXIF Orientation of a TIFF block (as `img-parts` returns EXIF), if not "upright".
fn orientation(exif: Option<Bytes>) -> Option<u16> {
    let exif = exif::Reader::new().read_raw(exif?.to_vec()).ok()?;
    let field = exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)?;
    let value = u16::try_from(field.value.get_uint(0)?).ok()?;
    (2..=8).contains(&value).then_some(value)
}

/// An EXIF block (little-endian TIFF) holding only the Orientation tag.
fn orientation_only(value: u16) -> Bytes {
    let mut tiff = Vec::with_capacity(26);
    tiff.extend_from_slice(b"II*\0");
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&1u16.to_le_bytes());
    // Tag 0x0112 (Orientation), type SHORT, one value, the value in the entry itself.
    tiff.extend_from_slice(&0x0112u16.to_le_bytes());
    tiff.extend_from_slice(&3u16.to_le_bytes());
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&u32::from(value).to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    Bytes::from(tiff)
}

fn jpeg(bytes: Vec<u8>) -> Result<Vec<u8>, ()> {
    let mut image = Jpeg::from_bytes(Bytes::from(bytes)).map_err(|_| ())?;
    let turned = orientation(image.exif());
    let mut ended = false;
    let segments = std::mem::take(image.segments_mut());
    for segment in segments {
        let marker = segment.marker();
        let metadata = matches!(
            marker,
            markers::APP1 | markers::APP3..=markers::APP13 | markers::APP15 | markers::COM
        ) || (marker == markers::APP2
            && !segment.contents().starts_with(b"ICC_PROFILE\0"));
        if metadata {
            continue;
        }
        if segment.has_entropy() {
            // The scan data and what follows it, up to and including the image's end marker.
            // (The segment's encoding is its marker, length and contents, then that data.)
            let contents = segment.contents().clone();
            let encoded = segment.encoder().bytes();
            let entropy = encoded.slice(4 + contents.len()..);
            let rest = scans_without_metadata(&entropy).ok_or(())?;
            image.segments_mut().push(JpegSegment::new_with_entropy(
                marker,
                contents,
                Bytes::from(rest),
            ));
            ended = true;
        } else {
            image.segments_mut().push(segment);
        }
    }
    // No scan, or no frame: not a picture.
    let is_frame = |marker: u8| {
        (markers::SOF0..=markers::SOF15).contains(&marker)
            && !matches!(marker, markers::DHT | markers::JPG | markers::DAC)
    };
    let has_frame = image.segments().iter().any(|s| is_frame(s.marker()));
    if !ended || !has_frame {
        return Err(());
    }
    if let Some(value) = turned {
        image.set_exif(Some(orientation_only(value)));
    }
    Ok(image.encoder().bytes().to_vec())
}

/// The scan data after the first scan's header, through the image's end marker, without the
/// application (`APPn`) and comment segments that may stand between a progressive JPEG's scans
/// (a camera or editor can put EXIF with GPS, or XMP, there). Walks the scan data (where `FF`
/// is followed by `00` or a restart marker) and skips each marker segment by its length, so
/// that its bytes are never mistaken for a marker. `None` if the end marker never comes.
fn scans_without_metadata(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len());
    let mut copied = 0;
    let mut i = 0;
    while i + 1 < data.len() {
        if data[i] != 0xFF {
            i += 1;
            continue;
        }
        match data[i + 1] {
            // Stuffed byte, fill byte, restart marker: still scan data.
            0x00 | 0xFF | 0xD0..=0xD7 => i += 1,
            markers::EOI => {
                out.extend_from_slice(&data[copied..i + 2]);
                return Some(out);
            }
            marker => {
                // A marker segment with a length (DHT, SOS, DRI, APPn, COM...).
                let length = usize::from(*data.get(i + 2)?) << 8 | usize::from(*data.get(i + 3)?);
                let end = i + 2 + length;
                if end > data.len() {
                    return None;
                }
                if matches!(marker, markers::APP0..=markers::APP15 | markers::COM) {
                    out.extend_from_slice(&data[copied..i]);
                    copied = end;
                }
                i = end;
            }
        }
    }
    None
}

fn png(bytes: Vec<u8>) -> Result<Vec<u8>, ()> {
    const KEPT: [&[u8; 4]; 14] = [
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
        b"bKGD", b"pHYs", b"acTL", b"fcTL",
    ];
    let mut image = Png::from_bytes(Bytes::from(bytes)).map_err(|_| ())?;
    let turned = orientation(image.exif());
    let complete = image.chunks().first().is_some_and(|c| &c.kind() == b"IHDR")
        && image.chunks().last().is_some_and(|c| &c.kind() == b"IEND")
        && image.chunks().iter().any(|c| &c.kind() == b"IDAT");
    if !complete {
        return Err(());
    }
    image
        .chunks_mut()
        .retain(|chunk| KEPT.contains(&&chunk.kind()) || &chunk.kind() == b"fdAT");
    if let Some(value) = turned {
        image.set_exif(Some(orientation_only(value)));
    }
    Ok(image.encoder().bytes().to_vec())
}

fn webp(bytes: Vec<u8>) -> Result<Vec<u8>, ()> {
    let declared = bytes
        .get(4..8)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize + 8);
    // The RIFF header says how long the file is: a shorter one was cut.
    if declared.is_none_or(|length| length > bytes.len()) {
        return Err(());
    }
    let mut image = WebP::from_bytes(Bytes::from(bytes)).map_err(|_| ())?;
    if !image
        .chunks()
        .iter()
        .any(|c| matches!(&c.id(), b"VP8 " | b"VP8L" | b"ANMF"))
    {
        return Err(());
    }
    let turned = orientation(image.exif());
    image.remove_chunks_by_id(*b"XMP ");
    // Replaces the EXIF chunk (or removes it) and makes the VP8X header's flags say what is
    // left.
    image.set_exif(turned.map(orientation_only));
    Ok(image.encoder().bytes().to_vec())
}

/// A GIF walked block by block to its trailer: comment extensions and application extensions
/// (XMP travels in one) are dropped, except the two that make an animation loop (`NETSCAPE2.0`,
/// `ANIMEXTS1.0`); what follows the trailer is dropped too. The image data is copied as it is.
fn gif(bytes: Vec<u8>) -> Result<Vec<u8>, ()> {
    // The sub-blocks from `at` (a length byte, that many bytes, ...) to their zero terminator:
    // where they end.
    let sub_blocks = |mut at: usize| -> Result<usize, ()> {
        loop {
            let length = usize::from(*bytes.get(at).ok_or(())?);
            at += 1 + length;
            if length == 0 {
                return Ok(at);
            }
        }
    };
    // The size of a colour table a packed field announces, if its flag is set.
    let colour_table = |packed: u8| {
        if packed & 0x80 != 0 {
            3 << ((packed & 0x07) + 1)
        } else {
            0
        }
    };
    let header_end = 13 + colour_table(*bytes.get(10).ok_or(())?);
    if bytes.len() < header_end {
        return Err(());
    }
    let mut out = bytes[..header_end].to_vec();
    let mut at = header_end;
    loop {
        match *bytes.get(at).ok_or(())? {
            // Image descriptor, its local colour table, the LZW code size, the data.
            0x2C => {
                let packed = *bytes.get(at + 9).ok_or(())?;
                let end = sub_blocks(at + 10 + colour_table(packed) + 1)?;
                out.extend_from_slice(bytes.get(at..end).ok_or(())?);
                at = end;
            }
            0x21 => {
                let label = *bytes.get(at + 1).ok_or(())?;
                let end = sub_blocks(at + 2)?;
                let looping = bytes
                    .get(at + 2..at + 14)
                    .is_some_and(|id| id == b"\x0bNETSCAPE2.0" || id == b"\x0bANIMEXTS1.0");
                let metadata = label == 0xFE || (label == 0xFF && !looping);
                if !metadata {
                    out.extend_from_slice(bytes.get(at..end).ok_or(())?);
                }
                at = end;
            }
            0x3B => {
                out.push(0x3B);
                return Ok(out);
            }
            _ => return Err(()),
        }
    }
}

fn pdf(bytes: Vec<u8>) -> Result<Vec<u8>, ()> {
    // A PDF ends with `%%EOF` (followed at most by line ends); without it, it was cut.
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(());
    }
    // Kept as sent when it cannot be rewritten safely (encrypted, or beyond what lopdf reads):
    // the form's hint and docs/developers.md say so.
    Ok(pdf_without_metadata(&bytes).unwrap_or(bytes))
}

/// The PDF rewritten without its document information dictionary (author, creator software,
/// producer, dates, title) and its XMP metadata streams, and without the objects only they
/// used; `None` if it cannot be read, is encrypted, or comes out unreadable.
fn pdf_without_metadata(bytes: &[u8]) -> Option<Vec<u8>> {
    use lopdf::{Document, Object};
    let mut document = Document::load_mem(bytes).ok()?;
    if document.is_encrypted() {
        return None;
    }
    document.trailer.remove(b"Info");
    // XMP travels as a stream with `/Type /Metadata`, referenced by `/Metadata` from the
    // catalog, pages, images or fonts: every such reference goes.
    for object in document.objects.values_mut() {
        let dictionary = match object {
            Object::Dictionary(dictionary) => dictionary,
            Object::Stream(stream) => &mut stream.dict,
            _ => continue,
        };
        dictionary.remove(b"Metadata");
        dictionary.remove(b"PieceInfo");
    }
    // Unreferenced now (the information dictionary, the XMP streams): not written.
    document.prune_objects();
    let mut out = Vec::new();
    document.save_to(&mut out).ok()?;
    // What was written must read again, with its pages.
    let written = Document::load_mem(&out).ok()?;
    (written.get_pages().len() == document.get_pages().len()).then_some(out)
}
