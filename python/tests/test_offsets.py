"""Character and byte offsets: exact on every corpus line with multi-byte text, and for bytes
that are not valid UTF-8 (offsets into `decode("utf-8", "replace")`)."""

from __future__ import annotations

import tftsr

from conftest import decoded


def test_offsets_are_exact_on_multibyte_lines(planted):
    checked = 0
    for p in planted.files:
        text = decoded(p).decode("utf-8", "replace")
        for line in text.splitlines(keepends=True):
            if line.isascii():
                continue
            raw = line.encode()
            for f in tftsr.scan(line, values=True):
                assert line[f.start : f.end] == f.value
                assert raw[f.byte_start : f.byte_end].decode() == f.value
                assert len(line[: f.start].encode()) == f.byte_start
                checked += 1
    assert checked > 300, f"only {checked} findings on multi-byte lines"


def test_char_and_byte_offsets_differ_after_multibyte_text():
    text = "日本語 🙂 café: mail bob@example.com"
    (f,) = tftsr.scan(text, values=True)
    assert (f.type, text[f.start : f.end]) == ("email", "bob@example.com")
    assert f.start == text.index("bob")
    assert f.byte_start == text.encode().index(b"bob")
    assert f.byte_start - f.start == len(text[: f.start].encode()) - f.start > 0


def test_invalid_utf8_bytes_count_as_one_replacement_character_each():
    cases = [
        b"\xff mail bob@example.com",
        b"caf\xe9 \xe2\x82 to bob@example.com and \xf0\x9f\x99 10.1.2.3",
        b"\xed\xa0\x80 surrogate half, then alice@example.org",
        "ok ✅ ".encode() + b"\xc0\xaf bob@example.com \x80\x80",
    ]
    for raw in cases:
        shown = raw.decode("utf-8", "replace")
        found = tftsr.scan(raw, values=True)
        assert found, raw
        for f in found:
            assert shown[f.start : f.end] == f.value
            assert raw[f.byte_start : f.byte_end].decode() == f.value
        # Invalid bytes are copied through by redaction, as the CLI does.
        red = tftsr.redact(raw)
        assert b"@example" not in red
        assert red.count(b"\xff") == raw.count(b"\xff")


def test_redacting_str_keeps_everything_but_the_values():
    text = "€ 12 — user=bob@example.com, ip 192.0.2.10 ✔\n"
    assert tftsr.redact(text) == "€ 12 — user=[Email], ip [IPv4] ✔\n"
    masked = tftsr.redact(text, "mask")
    assert len(masked) == len(text) and "bob" not in masked
