//! The cache folder of pictures (`.cache/images/` in the site's folder): each picture's files,
//! named by a key of its source's digest and the settings, with a manifest (`KEY.json`, its
//! size and files) written last, so a manifest means its files are all there; and beside the
//! folder an index (`.cache/images.json`) that remembers, by source path, the stamp and
//! digest the source had ([`crate::digests`]), every manifest, and the folder's own stamp. A
//! warm build thus reads one index and looks at one folder, instead of reading every
//! photograph and every manifest: if the folder's stamp is the one remembered, no file was
//! added to it or removed since, and the files the manifests name are there; otherwise each
//! is looked for.
//!
//! The index is only a memo. Unreadable, it is ignored (every source is read once); two
//! builds writing it at once leave one's version, and the other's pictures are still found
//! by their manifests.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::{Picture, Stored, Variant};
use crate::config::ImageSettings;
use crate::digests::{self, Found, Stamp};

/// The cache's record of one picture: its size and files (the files sit beside it).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Manifest {
    width: u32,
    height: u32,
    fallback_type: String,
    variants: Vec<(u32, String, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Known {
    stamp: Stamp,
    digest: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Index {
    /// The folder's stamp when the index was written.
    folder: Option<Stamp>,
    /// By path under `content/`.
    sources: HashMap<PathBuf, Known>,
    /// By key.
    pictures: HashMap<String, Manifest>,
}

/// The cache folder, as found when a build opened it.
#[derive(Debug)]
pub(crate) struct Cache {
    folder: PathBuf,
    /// What names outputs besides a digest: the widths and quality.
    settings: String,
    index: Index,
    /// Whether the folder is as the index found it (then the files it names are there).
    unchanged: bool,
    learnt: bool,
}

impl Cache {
    /// The cache folder `folder` for pictures made with `settings`.
    pub(crate) fn open(folder: &Path, settings: &ImageSettings) -> Self {
        let index: Index = std::fs::read(index_of(folder))
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .unwrap_or_default();
        let unchanged = index.folder.is_some() && index.folder == stamp_of(folder);
        Self {
            folder: folder.to_path_buf(),
            settings: format!("|{:?}|{}", settings.widths, settings.quality),
            index,
            unchanged,
            learnt: false,
        }
    }

    /// What names a source's outputs: its content's digest and the settings.
    pub(crate) fn key_of(&self, digest: &str) -> String {
        let mut hasher = blake3::Hasher::new();
        hasher.update(digest.as_bytes());
        hasher.update(self.settings.as_bytes());
        hasher.finalize().to_hex()[..10].to_string()
    }

    /// The digest of the source `path` (under `content/`) at `on_disk`, whose stamp is
    /// `stamp`: the one remembered with that stamp, or else read now.
    pub(crate) fn digest_of(
        &self,
        path: &Path,
        on_disk: &Path,
        stamp: &Stamp,
    ) -> std::io::Result<Found> {
        match self.index.sources.get(path) {
            Some(known) if known.stamp == *stamp => Ok(Found {
                digest: known.digest.clone(),
                stamp: *stamp,
                settled: true,
                bytes: None,
            }),
            _ => digests::read(on_disk),
        }
    }

    /// Remembers the digest of a source just read (unless it was written just before it was
    /// read: see [`digests::settled`]).
    pub(crate) fn learn(&mut self, path: &Path, found: &Found) {
        if found.bytes.is_some() && found.settled {
            let known = Known {
                stamp: found.stamp,
                digest: found.digest.clone(),
            };
            self.index.sources.insert(path.to_path_buf(), known);
            self.learnt = true;
        }
    }

    /// The picture of a source with `digest`, made before, with its files; `None` if it is not
    /// here, whole.
    pub(crate) fn picture(&self, digest: &str) -> Option<(Picture, Vec<(String, Stored)>)> {
        let key = self.key_of(digest);
        let (manifest, check) = match self.index.pictures.get(&key) {
            Some(manifest) => (manifest.clone(), !self.unchanged),
            // Made by another build: its manifest says what it is.
            None => {
                let json = std::fs::read(self.folder.join(format!("{key}.json"))).ok()?;
                (serde_json::from_slice::<Manifest>(&json).ok()?, true)
            }
        };
        let mut outputs = Vec::new();
        for (_, webp, fallback) in &manifest.variants {
            for path in [webp, fallback] {
                let file = self.folder.join(Path::new(path).file_name()?);
                if check && !file.is_file() {
                    return None;
                }
                outputs.push((path.clone(), Stored::Cached(file)));
            }
        }
        let fallback_type = match manifest.fallback_type.as_str() {
            "image/png" => "image/png",
            _ => "image/jpeg",
        };
        let variants = manifest
            .variants
            .into_iter()
            .map(|(width, webp, fallback)| Variant {
                width,
                webp,
                fallback,
            })
            .collect();
        let picture = Picture {
            width: manifest.width,
            height: manifest.height,
            variants,
            fallback_type,
        };
        Some((picture, outputs))
    }

    /// Keeps a picture just made, under `key`, for the next builds, and says where each of its
    /// files now is. A cache folder that cannot be written only costs time: the files are then
    /// held in memory.
    pub(crate) fn keep(
        &self,
        key: &str,
        picture: &Picture,
        outputs: Vec<(String, Bytes)>,
    ) -> Vec<(String, Stored)> {
        let held = |outputs: Vec<(String, Bytes)>| {
            outputs
                .into_iter()
                .map(|(path, bytes)| (path, Stored::Held(bytes)))
                .collect()
        };
        if std::fs::create_dir_all(&self.folder).is_err() {
            return held(outputs);
        }
        for (path, bytes) in &outputs {
            let written = Path::new(path)
                .file_name()
                .is_some_and(|name| write_read_only(&self.folder.join(name), bytes).is_ok());
            if !written {
                return held(outputs);
            }
        }
        // Written last: a manifest means its files are all there.
        if let Ok(json) = serde_json::to_vec(&manifest_of(picture)) {
            let _ = std::fs::write(self.folder.join(format!("{key}.json")), json);
        }
        outputs
            .into_iter()
            .filter_map(|(path, _)| {
                let file = self.folder.join(Path::new(&path).file_name()?);
                Some((path, Stored::Cached(file)))
            })
            .collect()
    }

    /// Remembers in the index the picture of a source with `digest`, if its files are all in
    /// the folder.
    pub(crate) fn remember(&mut self, digest: &str, picture: &Picture, files: &[(String, Stored)]) {
        let key = self.key_of(digest);
        let cached = files
            .iter()
            .all(|(_, stored)| matches!(stored, Stored::Cached(_)));
        if cached && !self.index.pictures.contains_key(&key) {
            self.index.pictures.insert(key, manifest_of(picture));
            self.learnt = true;
        }
    }

    /// Forgets the sources not `wanted`, and the pictures of no source remembered. Returns
    /// whether any was forgotten.
    pub(crate) fn retain(&mut self, wanted: impl Fn(&Path) -> bool) -> bool {
        let before = (self.index.sources.len(), self.index.pictures.len());
        self.index.sources.retain(|path, _| wanted(path));
        let keys: HashSet<String> = self
            .index
            .sources
            .values()
            .map(|known| self.key_of(&known.digest))
            .collect();
        self.index.pictures.retain(|key, _| keys.contains(key));
        let forgot = before != (self.index.sources.len(), self.index.pictures.len());
        self.learnt |= forgot;
        forgot
    }

    /// Removes the files of pictures no source shown now has (`in_use` are the digests of
    /// those that are), as Zola prunes its processed images: an edited photograph or new
    /// settings leave the old files behind. Only names this cache writes are touched.
    /// Returns how many files were removed.
    pub(crate) fn prune<'a>(&self, in_use: impl Iterator<Item = &'a str>) -> usize {
        let keys: HashSet<String> = in_use.map(|digest| self.key_of(digest)).collect();
        let Ok(entries) = std::fs::read_dir(&self.folder) else {
            return 0;
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(key) = name.to_str().and_then(key_in) else {
                continue;
            };
            if !keys.contains(key) && remove(&entry.path()).is_ok() {
                removed += 1;
            }
        }
        removed
    }

    /// Writes the index if anything was learnt, or the folder changed, by a rename (a reader
    /// never sees half of it). An index that cannot be written only costs the next build a
    /// read of each source.
    pub(crate) fn save(&mut self) {
        // A folder changed just now may change again within the same tick of its clock,
        // unseen: it is then not remembered, and the next build looks for each file.
        let folder = stamp_of(&self.folder).filter(|s| digests::settled(s, SystemTime::now()));
        if !std::mem::take(&mut self.learnt) && folder == self.index.folder {
            return;
        }
        self.index.folder = folder;
        let Ok(json) = serde_json::to_vec(&self.index) else {
            return;
        };
        let file = index_of(&self.folder);
        let written = file
            .parent()
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::InvalidInput))
            .and_then(|parent| {
                std::fs::create_dir_all(parent)?;
                let mut temporary = tempfile::NamedTempFile::new_in(parent)?;
                std::io::Write::write_all(&mut temporary, &json)?;
                temporary.persist(&file).map_err(|e| e.error)
            });
        if let Err(e) = written {
            tracing::debug!("cannot write the pictures' index: {e}");
        }
    }
}

/// The key in a name this cache writes: `KEY.json`, or `stem-KEY-width.ext`.
fn key_in(name: &str) -> Option<&str> {
    let is_key = |key: &str| key.len() == 10 && key.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(key) = name.strip_suffix(".json") {
        return is_key(key).then_some(key);
    }
    let mut parts = name.rsplitn(3, '-');
    let (width, key) = (parts.next()?, parts.next()?);
    parts.next()?;
    let (width, _) = width.split_once('.')?;
    (is_key(key) && !width.is_empty() && width.bytes().all(|b| b.is_ascii_digit())).then_some(key)
}

/// Removes a cached file, read-only as it is (Windows refuses to remove such a file).
fn remove(path: &Path) -> std::io::Result<()> {
    std::fs::remove_file(path).or_else(|_| {
        let mut permissions = std::fs::metadata(path)?.permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        permissions.set_readonly(false);
        std::fs::set_permissions(path, permissions)?;
        std::fs::remove_file(path)
    })
}

/// The index of the cache folder `folder`: beside it, so writing it leaves the folder's stamp
/// as it was.
fn index_of(folder: &Path) -> PathBuf {
    folder.with_extension("json")
}

/// The folder's stamp: its times change when a file is added to it or removed.
fn stamp_of(folder: &Path) -> Option<Stamp> {
    std::fs::metadata(folder).ok().map(|m| Stamp::of(&m))
}

fn manifest_of(picture: &Picture) -> Manifest {
    Manifest {
        width: picture.width,
        height: picture.height,
        fallback_type: picture.fallback_type.to_string(),
        variants: picture
            .variants
            .iter()
            .map(|v| (v.width, v.webp.clone(), v.fallback.clone()))
            .collect(),
    }
}

/// Writes a cached file read-only: `build` hard-links it into the output, so a tool that edited
/// the published copy in place would otherwise change the cache too (it now gets "permission
/// denied"; deleting or replacing the published file is unaffected).
fn write_read_only(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // A file of an interrupted earlier write may be there, read-only: replace it.
    let _ = std::fs::remove_file(path);
    std::fs::write(path, bytes)?;
    let mut permissions = std::fs::metadata(path)?.permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(path, permissions)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn settings() -> ImageSettings {
        ImageSettings::default()
    }

    #[test]
    fn a_remembered_digest_is_used_only_while_the_stamp_is_the_same() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("bear.jpg");
        std::fs::write(&file, b"first").expect("write");
        let folder = dir.path().join("cache");
        let source = Path::new("bear.jpg");
        let stamp = Stamp::of(&std::fs::metadata(&file).expect("stat"));
        let mut cache = Cache::open(&folder, &settings());
        let found = cache.digest_of(source, &file, &stamp).expect("read");
        assert_eq!(found.digest, digests::digest(b"first"));
        assert!(found.bytes.is_some(), "nothing remembered yet: read");
        // Learnt as if read well after the write, and kept for the next process.
        let found = Found {
            settled: true,
            ..found
        };
        cache.learn(source, &found);
        cache.save();
        let cache = Cache::open(&folder, &settings());
        let again = cache.digest_of(source, &file, &stamp).expect("remembered");
        assert_eq!(again.digest, digests::digest(b"first"));
        assert!(
            again.bytes.is_none(),
            "an unchanged stamp is not read again"
        );
        // Any write changes the stamp, even one keeping the size: read again.
        std::fs::write(&file, b"other").expect("write");
        let stamp = Stamp::of(&std::fs::metadata(&file).expect("stat"));
        let changed = cache.digest_of(source, &file, &stamp).expect("read");
        assert_eq!(changed.digest, digests::digest(b"other"));
        // An index written badly is no index.
        std::fs::write(dir.path().join("cache.json"), b"{not json").expect("write");
        let cache = Cache::open(&folder, &settings());
        let stamp = Stamp::of(&std::fs::metadata(&file).expect("stat"));
        let found = cache.digest_of(source, &file, &stamp).expect("read");
        assert!(found.bytes.is_some());
    }

    #[test]
    fn only_the_names_this_cache_writes_are_pruned() {
        assert_eq!(key_in("0123456789.json"), Some("0123456789"));
        assert_eq!(key_in("my-bear-0123456789-480.webp"), Some("0123456789"));
        assert_eq!(key_in("bear-abcdef0123-1600.jpg"), Some("abcdef0123"));
        for other in [
            "notes.txt",
            "bear.jpg",
            "a-b-c.jpg",
            "x-0123456789-big.jpg",
            "12.json",
        ] {
            assert_eq!(key_in(other), None, "{other}");
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = dir.path().join("cache");
        std::fs::create_dir_all(&folder).expect("folder");
        let cache = Cache::open(&folder, &settings());
        let (kept, gone) = (cache.key_of("kept"), cache.key_of("gone"));
        for name in [
            format!("{kept}.json"),
            format!("bear-{kept}-480.jpg"),
            format!("{gone}.json"),
            format!("bear-{gone}-480.jpg"),
            "notes.txt".to_string(),
        ] {
            write_read_only(&folder.join(name), b"x").expect("write");
        }
        assert_eq!(cache.prune(["kept"].into_iter()), 2);
        let mut left: Vec<String> = std::fs::read_dir(&folder)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let mut expected = vec![
            format!("{kept}.json"),
            format!("bear-{kept}-480.jpg"),
            "notes.txt".to_string(),
        ];
        expected.sort();
        assert_eq!(left, expected);
    }

    #[test]
    fn a_source_read_just_after_it_was_written_is_not_remembered() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("bear.jpg");
        std::fs::write(&file, b"fresh").expect("write");
        let folder = dir.path().join("cache");
        let mut cache = Cache::open(&folder, &settings());
        let found = digests::read(&file).expect("read");
        cache.learn(Path::new("bear.jpg"), &found);
        cache.save();
        assert!(
            !dir.path().join("cache.json").exists(),
            "nothing settled was learnt: nothing written"
        );
    }

    #[test]
    fn a_picture_is_found_only_with_all_its_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = dir.path().join("cache");
        let picture = Picture {
            width: 600,
            height: 400,
            variants: vec![Variant {
                width: 480,
                webp: "images/bear-k-480.webp".into(),
                fallback: "images/bear-k-480.jpg".into(),
            }],
            fallback_type: "image/jpeg",
        };
        let outputs = vec![
            (
                "images/bear-k-480.webp".to_string(),
                Bytes::from_static(b"w"),
            ),
            (
                "images/bear-k-480.jpg".to_string(),
                Bytes::from_static(b"j"),
            ),
        ];
        let cache = Cache::open(&folder, &settings());
        let key = cache.key_of("digest");
        let kept = cache.keep(&key, &picture, outputs.clone());
        assert!(kept.iter().all(|(_, s)| matches!(s, Stored::Cached(_))));
        // Another process finds it by its manifest alone.
        let cache = Cache::open(&folder, &settings());
        let (found, files) = cache.picture("digest").expect("cached");
        assert_eq!((found.width, found.height, files.len()), (600, 400, 2));
        // Other settings name other files.
        let wider = ImageSettings {
            quality: 90,
            ..settings()
        };
        assert!(Cache::open(&folder, &wider).picture("digest").is_none());
        // Found by its manifest, a picture with a file gone is made again.
        std::fs::remove_file(folder.join("bear-k-480.jpg")).expect("remove");
        assert!(
            Cache::open(&folder, &settings())
                .picture("digest")
                .is_none()
        );
        // Remembered in the index, it is found without a look while the folder is as the
        // index found it; held in memory, it is not remembered.
        let kept = cache.keep(&key, &picture, outputs.clone());
        let mut cache = Cache::open(&folder, &settings());
        // The folder as written an hour ago: settled (one just written is not remembered).
        cache.save();
        assert!(!Cache::open(&folder, &settings()).unchanged);
        let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
        std::fs::File::open(&folder)
            .and_then(|f| f.set_modified(an_hour_ago))
            .expect("set the folder's time");
        cache.remember("digest", &picture, &kept);
        let held = [("images/a.jpg".to_string(), Stored::Held(Bytes::new()))];
        cache.remember("other", &picture, &held);
        cache.save();
        let cache = Cache::open(&folder, &settings());
        assert!(cache.unchanged);
        assert!(cache.picture("digest").is_some());
        assert!(cache.picture("other").is_none());
        // A file removed by hand changes the folder: each file is looked for again.
        std::fs::remove_file(folder.join("bear-k-480.webp")).expect("remove");
        let cache = Cache::open(&folder, &settings());
        assert!(!cache.unchanged);
        assert!(cache.picture("digest").is_none());
    }
}
