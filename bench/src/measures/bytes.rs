//! Bytes to the browser: the three files every screen loads, raw and
//! compressed (flate2 at gzip -9, brotli at quality 11).

use std::io::Write as _;
use std::path::Path;

/// What the browser loads besides the HTML, from the site's `pkg/`.
pub const FILES: [&str; 3] = ["kanri.js", "kanri.wasm", "kanri.css"];

#[derive(Clone, Copy, Debug, Default)]
pub struct Sizes {
    pub raw: usize,
    pub gzip: usize,
    pub brotli: usize,
}

#[derive(Debug)]
pub struct BrowserBytes {
    /// Each of [`FILES`] with its sizes, in that order.
    pub files: Vec<(&'static str, Sizes)>,
}

impl BrowserBytes {
    pub fn total(&self) -> Sizes {
        self.files
            .iter()
            .fold(Sizes::default(), |total, (_, file)| Sizes {
                raw: total.raw + file.raw,
                gzip: total.gzip + file.gzip,
                brotli: total.brotli + file.brotli,
            })
    }
}

pub fn measure(site_root: &Path) -> BrowserBytes {
    let files = FILES
        .into_iter()
        .map(|file| {
            let path = site_root.join("pkg").join(file);
            let data = std::fs::read(&path).unwrap_or_else(|e| {
                panic!("{}: {e} (run cargo leptos build --release)", path.display())
            });
            (file, sizes(&data))
        })
        .collect();
    BrowserBytes { files }
}

fn sizes(bytes: &[u8]) -> Sizes {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).unwrap();
    let gzip = gz.finish().unwrap().len();
    let mut br = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut br, 4096, 11, 22);
        w.write_all(bytes).unwrap();
    }
    Sizes {
        raw: bytes.len(),
        gzip,
        brotli: br.len(),
    }
}
