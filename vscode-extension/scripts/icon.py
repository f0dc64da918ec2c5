#!/usr/bin/env python3
"""Draws images/icon.png (128x128 RGBA, the size Open VSX and the Marketplace show) with the
standard library only: a log page whose lines carry black redaction bars, on a shield-blue tile.
Run from vscode-extension/: python3 scripts/icon.py  (the PNG is committed; rerun after edits)."""
import struct
import sys
import zlib

N = 128
SS = 4  # supersampling per axis, for smooth edges


def inside_round_rect(x, y, x0, y0, x1, y1, r):
    if x < x0 or x > x1 or y < y0 or y > y1:
        return False
    cx = min(max(x, x0 + r), x1 - r)
    cy = min(max(y, y0 + r), y1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


BG = (28, 61, 110)     # tile
PAGE = (246, 248, 250)  # the log page
TEXT = (150, 162, 178)  # ordinary log text
BAR = (17, 17, 17)      # redacted spans
# (y, [(x0, x1, colour)]) : each log line, text runs and redaction bars
LINES = [
    (40, [(34, 58, TEXT), (62, 94, BAR)]),
    (54, [(34, 50, TEXT), (54, 70, TEXT), (74, 94, TEXT)]),
    (68, [(34, 46, TEXT), (50, 82, BAR), (86, 94, TEXT)]),
    (82, [(34, 62, TEXT), (66, 94, TEXT)]),
    (96, [(34, 44, TEXT), (48, 94, BAR)]),
]


def colour(x, y):
    if not inside_round_rect(x, y, 4, 4, 124, 124, 22):
        return None
    c = BG
    if inside_round_rect(x, y, 24, 22, 104, 112, 8):
        c = PAGE
        for ly, runs in LINES:
            for x0, x1, rc in runs:
                if inside_round_rect(x, y, x0, ly - 4, x1, ly + 4, 3):
                    c = rc
    return c


def render():
    rows = []
    for py in range(N):
        row = bytearray([0])  # filter type 0
        for px in range(N):
            acc = [0, 0, 0, 0]
            for sy in range(SS):
                for sx in range(SS):
                    c = colour(px + (sx + 0.5) / SS, py + (sy + 0.5) / SS)
                    if c is not None:
                        acc[0] += c[0]; acc[1] += c[1]; acc[2] += c[2]; acc[3] += 1
            n = acc[3]
            if n:
                row += bytes([acc[0] // n, acc[1] // n, acc[2] // n, 255 * n // (SS * SS)])
            else:
                row += bytes(4)
        rows.append(bytes(row))
    return b"".join(rows)


def png(raw):
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", N, N, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "images/icon.png"
    with open(out, "wb") as f:
        f.write(png(render()))
    print(out)
