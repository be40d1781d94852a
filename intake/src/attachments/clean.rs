//! Each format's structure check (a file cut short is refused) and metadata removal, by
//! rewriting the container with `img-parts`: the compressed pixels are copied as they are,
//! never decoded or encoded again.
//!
//! Removed: JPEG's APP1 (EXIF, with GPS and camera, and XMP), APP3 to APP13 (IPTC and makers'
//! data), APP15, comments, the MPF index and anything after the image's end (the extra
//! pictures MPF lists carry their own EXIF); PNG's chunks other than the image's own (`eXIf`,
//! the text chunks that carry XMP, `tIME`...); WebP's `EXIF` and `XMP ` chunks. Kept: what
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
            let end = end_of_image(&entropy).ok_or(())?;
            image.segments_mut().push(JpegSegment::new_with_entropy(
                marker,
                contents,
                entropy.slice(..end),
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

/// Where the JPEG's end-of-image marker ends, walking the scan data (where `FF` is followed by
/// `00` or a restart marker) and the marker segments between progressive scans (skipped by
/// their length, so that their bytes are never mistaken for a marker).
fn end_of_image(data: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i + 1 < data.len() {
        if data[i] != 0xFF {
            i += 1;
            continue;
        }
        match data[i + 1] {
            // Stuffed byte, fill byte, restart marker: still scan data.
            0x00 | 0xFF | 0xD0..=0xD7 => i += 1,
            markers::EOI => return Some(i + 2),
            _ => {
                // A marker segment with a length (DHT, SOS, DRI...): skip it.
                let length = usize::from(*data.get(i + 2)?) << 8 | usize::from(*data.get(i + 3)?);
                i += 2 + length;
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

fn gif(bytes: Vec<u8>) -> Result<Vec<u8>, ()> {
    // A GIF ends with its trailer byte; without it, it was cut.
    if bytes.len() < 14 || bytes.last() != Some(&0x3B) {
        return Err(());
    }
    Ok(bytes)
}

fn pdf(bytes: Vec<u8>) -> Result<Vec<u8>, ()> {
    // A PDF ends with `%%EOF` (followed at most by line ends); without it, it was cut.
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(());
    }
    Ok(bytes)
}
