//! The 16 ANSI colours on the wire. crossterm writes even the 16 named colours as 256-colour
//! codes (`ESC[38;5;1m` for red); terminals without 256 colours (a serial console, some SSM
//! and bastion setups) then show garbage or nothing. [`Ansi16`] sits between the backend and
//! the terminal and rewrites each such code of a colour below 16 to its 16-colour form
//! (`ESC[31m`, `ESC[91m`; backgrounds `ESC[41m`, `ESC[101m`) when the frame is flushed.

use std::io::{self, Write};

/// A writer that holds a frame until flushed, then passes it on with 16-colour codes only.
pub struct Ansi16<W: Write> {
    inner: W,
    frame: Vec<u8>,
}

impl<W: Write> Ansi16<W> {
    pub fn new(inner: W) -> Ansi16<W> {
        Ansi16 {
            inner,
            frame: Vec::with_capacity(64 * 1024),
        }
    }
}

impl<W: Write> Write for Ansi16<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.frame.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let out = to_16_colours(&self.frame);
        self.frame.clear();
        self.inner.write_all(&out)?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for Ansi16<W> {
    fn drop(&mut self) {
        if !self.frame.is_empty() {
            let _ = self.flush();
        }
    }
}

/// The bytes with every SGR sequence's 256-colour codes of colours 0..16 (`38;5;N`, `48;5;N`)
/// written as 16-colour codes; everything else as it was.
pub fn to_16_colours(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0x1b && bytes.get(i + 1) == Some(&b'[') {
            // Parameters (digits and ';') up to the final byte.
            let start = i + 2;
            let mut end = start;
            while end < bytes.len() && (bytes[end].is_ascii_digit() || bytes[end] == b';') {
                end += 1;
            }
            if bytes.get(end) == Some(&b'm')
                && let Ok(params) = std::str::from_utf8(&bytes[start..end])
            {
                out.extend_from_slice(b"\x1b[");
                out.extend_from_slice(sgr_16(params).as_bytes());
                out.push(b'm');
                i = end + 1;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// One SGR sequence's parameters with `38;5;N` and `48;5;N` (N < 16) as 16-colour codes.
fn sgr_16(params: &str) -> String {
    let parts: Vec<&str> = params.split(';').collect();
    let mut out: Vec<String> = Vec::with_capacity(parts.len());
    let mut k = 0;
    while k < parts.len() {
        let is_colour = matches!(parts[k], "38" | "48") && parts.get(k + 1) == Some(&"5");
        let n = parts.get(k + 2).and_then(|n| n.parse::<u8>().ok());
        match (is_colour, n) {
            (true, Some(n)) if n < 16 => {
                let base = if parts[k] == "38" { 30 } else { 40 };
                let code = if n < 8 {
                    base + u16::from(n)
                } else {
                    base + 60 + u16::from(n - 8)
                };
                out.push(code.to_string());
                k += 3;
            }
            _ => {
                out.push(parts[k].to_string());
                k += 1;
            }
        }
    }
    out.join(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(s: &str) -> String {
        String::from_utf8(to_16_colours(s.as_bytes())).unwrap()
    }

    #[test]
    fn named_colours_go_out_as_16_colour_codes() {
        assert_eq!(conv("\x1b[38;5;1mred\x1b[39m"), "\x1b[31mred\x1b[39m");
        assert_eq!(conv("\x1b[38;5;9mx"), "\x1b[91mx");
        assert_eq!(conv("\x1b[48;5;3mx"), "\x1b[43mx");
        assert_eq!(conv("\x1b[48;5;15mx"), "\x1b[107mx");
        assert_eq!(conv("\x1b[1;38;5;6;48;5;0mx"), "\x1b[1;36;40mx");
        // Anything else passes untouched: other sequences, text, real 256 colours.
        assert_eq!(conv("\x1b[2J\x1b[1;1Hé"), "\x1b[2J\x1b[1;1Hé");
        assert_eq!(conv("\x1b[38;5;208mx"), "\x1b[38;5;208mx");
        assert_eq!(conv("\x1b[38;5"), "\x1b[38;5");
    }

    #[test]
    fn a_frame_goes_out_whole_when_flushed() {
        let mut w = Ansi16::new(Vec::new());
        w.write_all(b"\x1b[38;5;").unwrap();
        w.write_all(b"2mok").unwrap();
        assert!(w.inner.is_empty());
        w.flush().unwrap();
        assert_eq!(w.inner, b"\x1b[32mok");
    }
}
