//! Test files: real images made with the `image` crate, given the metadata a camera or phone
//! writes (EXIF with GPS and the camera's make, XMP, comments, PNG text chunks), and
//! multipart bodies as browsers send them.

use axum::body::Body;
use axum::http::Request;
use image::{ImageEncoder as _, RgbImage};
use img_parts::{Bytes, ImageEXIF as _};

/// Text that must not survive metadata removal (in EXIF, XMP, comments, text chunks).
pub(crate) const CAMERA: &str = "NalugaCam X100";
pub(crate) const XMP_MARK: &str = "naluga-xmp-location-mark";

/// A small picture with a gradient, so pixels can be compared.
pub(crate) fn picture() -> RgbImage {
    RgbImage::from_fn(32, 24, |x, y| {
        image::Rgb([(x * 8) as u8, (y * 10) as u8, 128])
    })
}

/// An EXIF block (TIFF, little-endian) with the camera's make and a GPS position:
/// IFD0 { Make, GPSInfo -> GPS IFD { GPSLatitudeRef "N", GPSLatitude 22/1 57/1 30/1 } }.
pub(crate) fn exif_with_gps() -> Vec<u8> {
    exif_with(None)
}

/// The same with an Orientation tag in IFD0 (as a phone writes for a portrait photo).
pub(crate) fn exif_with(orientation: Option<u16>) -> Vec<u8> {
    let make = format!("{CAMERA}\0");
    let entry = |tag: u16, kind: u16, count: u32, value: u32| {
        let mut e = Vec::new();
        e.extend_from_slice(&tag.to_le_bytes());
        e.extend_from_slice(&kind.to_le_bytes());
        e.extend_from_slice(&count.to_le_bytes());
        e.extend_from_slice(&value.to_le_bytes());
        e
    };
    let entries = if orientation.is_some() { 3u32 } else { 2 };
    // IFD0 at 8 (2 + 12 per entry + 4 bytes), then the make, then the GPS IFD.
    let make_at = 8 + 2 + 12 * entries + 4;
    let gps_at = make_at + make.len() as u32;
    let mut tiff: Vec<u8> = Vec::new();
    tiff.extend_from_slice(b"II*\0");
    tiff.extend_from_slice(&8u32.to_le_bytes());
    tiff.extend_from_slice(&(entries as u16).to_le_bytes());
    tiff.extend(entry(0x010F, 2, make.len() as u32, make_at));
    if let Some(value) = orientation {
        tiff.extend(entry(0x0112, 3, 1, u32::from(value)));
    }
    tiff.extend(entry(0x8825, 4, 1, gps_at));
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(make.as_bytes());
    // GPS IFD: two entries (30 bytes), then the latitude's three rationals.
    let latitude_at = gps_at + 30;
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend(entry(0x0001, 2, 2, u32::from_le_bytes(*b"N\0\0\0")));
    tiff.extend(entry(0x0002, 5, 3, latitude_at));
    tiff.extend_from_slice(&0u32.to_le_bytes());
    for (numerator, denominator) in [(22u32, 1u32), (57, 1), (30, 1)] {
        tiff.extend_from_slice(&numerator.to_le_bytes());
        tiff.extend_from_slice(&denominator.to_le_bytes());
    }
    tiff
}

fn xmp_packet() -> Vec<u8> {
    format!(
        "http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:Description exif:GPSLatitude=\"22,57.5N\" note=\"{XMP_MARK}\"/></x:xmpmeta>"
    )
    .into_bytes()
}

/// A JPEG as a phone writes it: EXIF with GPS and make, an XMP packet and a comment.
pub(crate) fn jpeg_with_gps() -> Vec<u8> {
    jpeg_with_exif(exif_with_gps())
}

/// A JPEG with this EXIF block, an XMP packet and a comment.
pub(crate) fn jpeg_with_exif(exif: Vec<u8>) -> Vec<u8> {
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
        .encode_image(&picture())
        .expect("encode JPEG");
    let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(Bytes::from(plain)).expect("parse JPEG");
    jpeg.set_exif(Some(Bytes::from(exif)));
    let xmp = img_parts::jpeg::JpegSegment::new_with_contents(
        img_parts::jpeg::markers::APP1,
        Bytes::from(xmp_packet()),
    );
    jpeg.segments_mut().insert(1, xmp);
    let comment = img_parts::jpeg::JpegSegment::new_with_contents(
        img_parts::jpeg::markers::COM,
        Bytes::from(format!("shot with {CAMERA}")),
    );
    jpeg.segments_mut().insert(2, comment);
    jpeg.encoder().bytes().to_vec()
}

/// A PNG with an `eXIf` chunk and an `iTXt` XMP packet.
pub(crate) fn png_with_metadata() -> Vec<u8> {
    let mut plain = Vec::new();
    image::codecs::png::PngEncoder::new(&mut plain)
        .write_image(&picture(), 32, 24, image::ExtendedColorType::Rgb8)
        .expect("encode PNG");
    let mut png = img_parts::png::Png::from_bytes(Bytes::from(plain)).expect("parse PNG");
    png.set_exif(Some(Bytes::from(exif_with_gps())));
    let mut itxt = b"XML:com.adobe.xmp\0\0\0\0\0".to_vec();
    itxt.extend(xmp_packet());
    let position = png.chunks().len() - 1;
    png.chunks_mut().insert(
        position,
        img_parts::png::PngChunk::new(*b"iTXt", Bytes::from(itxt)),
    );
    png.encoder().bytes().to_vec()
}

/// A WebP (lossless) with EXIF and XMP chunks.
pub(crate) fn webp_with_metadata() -> Vec<u8> {
    let mut plain = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut plain)
        .write_image(&picture(), 32, 24, image::ExtendedColorType::Rgb8)
        .expect("encode WebP");
    let mut webp = img_parts::webp::WebP::from_bytes(Bytes::from(plain)).expect("parse WebP");
    webp.set_exif(Some(Bytes::from(exif_with_gps())));
    webp.chunks_mut().push(img_parts::riff::RiffChunk::new(
        *b"XMP ",
        img_parts::riff::RiffContent::Data(Bytes::from(xmp_packet())),
    ));
    webp.encoder().bytes().to_vec()
}

pub(crate) fn gif() -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::gif::GifEncoder::new(&mut out)
        .encode(
            &image::DynamicImage::ImageRgb8(picture()).to_rgba8(),
            32,
            24,
            image::ExtendedColorType::Rgba8,
        )
        .expect("encode GIF");
    out
}

/// A segment with a length: `FF marker`, the length (itself included), the contents.
fn jpeg_segment(marker: u8, contents: &[u8]) -> Vec<u8> {
    let length = u16::try_from(contents.len() + 2).expect("a short segment");
    let mut out = vec![0xFF, marker];
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(contents);
    out
}

/// A JPEG whose metadata stands after its first scan, where a progressive JPEG's later scans
/// are: an EXIF block naming the camera (APP1), an XMP packet with a location (APP1) and a
/// comment (COM), just before the end marker. Decoders read past them.
pub(crate) fn jpeg_with_metadata_between_scans() -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&picture())
        .expect("encode JPEG");
    assert_eq!(out[out.len() - 2..], [0xFF, 0xD9], "ends with EOI");
    let end = out.split_off(out.len() - 2);
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend_from_slice(&exif_with_gps());
    out.extend(jpeg_segment(0xE1, &exif));
    let xmp = format!("http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>{XMP_MARK}</x:xmpmeta>");
    out.extend(jpeg_segment(0xE1, xmp.as_bytes()));
    out.extend(jpeg_segment(0xFE, format!("shot with {CAMERA}").as_bytes()));
    out.extend(end);
    out
}

/// [`gif`] with a comment naming the camera, an XMP application extension and the loop
/// extension of an animation, all before its image.
pub(crate) fn gif_with_metadata() -> Vec<u8> {
    let plain = gif();
    let packed = plain[10];
    let header_end = 13
        + if packed & 0x80 != 0 {
            3 << ((packed & 7) + 1)
        } else {
            0
        };
    let mut out = plain[..header_end].to_vec();
    // Comment extension: one sub-block, then the terminator.
    let comment = format!("shot with {CAMERA}");
    out.extend([0x21, 0xFE, u8::try_from(comment.len()).expect("short")]);
    out.extend_from_slice(comment.as_bytes());
    out.push(0);
    // XMP: an application extension "XMP DataXMP" whose data are sub-blocks.
    out.extend([0x21, 0xFF, 11]);
    out.extend_from_slice(b"XMP DataXMP");
    out.push(u8::try_from(XMP_MARK.len()).expect("short"));
    out.extend_from_slice(XMP_MARK.as_bytes());
    out.push(0);
    // NETSCAPE2.0: loop for ever.
    out.extend([0x21, 0xFF, 11]);
    out.extend_from_slice(b"NETSCAPE2.0");
    out.extend([3, 1, 0, 0, 0]);
    out.extend_from_slice(&plain[header_end..]);
    out
}

/// A small PNG whose header declares `width` x `height` pixels (its checksum made right): a
/// few hundred bytes that a browser would try to decode into gigabytes.
pub(crate) fn png_declaring(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(picture())
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("encode PNG");
    // Signature (8), IHDR's length (4), "IHDR" (4), width and height (4 each)..., its CRC
    // over the type and the 13 data bytes.
    out[16..20].copy_from_slice(&width.to_be_bytes());
    out[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&out[12..29]);
    out[29..33].copy_from_slice(&crc.to_be_bytes());
    out
}

/// CRC-32 (IEEE), as PNG chunks carry it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A one-page PDF (written by lopdf, with its cross-reference table) whose document information
/// names an author and the camera's software, and whose catalog carries an XMP packet.
pub(crate) fn pdf_with_metadata() -> Vec<u8> {
    use lopdf::{Document, Object, Stream, dictionary};
    let mut document = Document::with_version("1.7");
    let pages_id = document.new_object_id();
    let content = document.add_object(Stream::new(
        dictionary! {},
        b"BT /F1 12 Tf 72 720 Td (A plush bear, 25 cm) Tj ET".to_vec(),
    ));
    let page = document.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Contents" => content,
    });
    document.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page.into()],
            "Count" => 1,
        }),
    );
    let xmp = document.add_object(Stream::new(
        dictionary! { "Type" => "Metadata", "Subtype" => "XML" },
        format!("<x:xmpmeta><rdf:Description note=\"{XMP_MARK}\"/></x:xmpmeta>").into_bytes(),
    ));
    let catalog = document.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
        "Metadata" => xmp,
    });
    let info = document.add_object(dictionary! {
        "Author" => Object::string_literal("Li Lei"),
        "Producer" => Object::string_literal(CAMERA),
    });
    document.trailer.set("Root", catalog);
    document.trailer.set("Info", info);
    let mut out = Vec::new();
    document.save_to(&mut out).expect("write the PDF");
    out
}

pub(crate) fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

/// The pixels of an image file.
pub(crate) fn pixels(bytes: &[u8]) -> Vec<u8> {
    image::load_from_memory(bytes)
        .expect("decodes")
        .to_rgb8()
        .into_raw()
}

/// Whether `needle` occurs in `bytes`.
pub(crate) fn contains(bytes: &[u8], needle: &str) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

pub(crate) const BOUNDARY: &str = "----NalugaFormBoundary7MA4YWxkTrZu0gW";

/// One part of a multipart body.
pub(crate) enum Part {
    Text(String, String),
    File {
        field: String,
        name: String,
        content_type: String,
        bytes: Vec<u8>,
    },
}

impl Part {
    pub(crate) fn file(name: &str, content_type: &str, bytes: Vec<u8>) -> Self {
        Self::File {
            field: "attachments".into(),
            name: name.into(),
            content_type: content_type.into(),
            bytes,
        }
    }
}

/// The good inquiry's text fields as parts, then `files`.
pub(crate) fn form_parts(fields: &[(String, String)], files: Vec<Part>) -> Vec<Part> {
    let mut parts: Vec<Part> = fields
        .iter()
        .map(|(k, v)| Part::Text(k.clone(), v.clone()))
        .collect();
    parts.extend(files);
    parts
}

pub(crate) fn multipart_body(parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part {
            Part::Text(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                        .as_bytes(),
                );
            }
            Part::File {
                field,
                name,
                content_type,
                bytes,
            } => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
                body.extend_from_slice(b"\r\n");
            }
        }
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// A multipart post as the site's script sends it (asking for JSON answers) or, with
/// `script` false, as a plain form does.
pub(crate) fn post_multipart(parts: &[Part], script: bool) -> Request<Body> {
    let mut request = Request::post("/inquiries?back=/contact/&thanks=/thanks/")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header("origin", "https://www.naluga.test");
    if script {
        request = request.header("accept", "application/json");
    }
    request
        .body(Body::from(multipart_body(parts)))
        .expect("request")
}
