#!/usr/bin/env python3
"""Writes a folder of small colour PNG images in class subfolders, for the image-folder
tests and the measurement in apps/README.md. Standard library only (zlib + struct).

  make_image_folder.py OUT [--per-class N] [--seed S] [--corrupt]

Classes: discs/, squares/, stripes/ — coloured shapes on a coloured background, in two
sizes (24x24 and 40x32, so the reader must resize and stretch), every fifth image grey.
--corrupt adds squares/broken.png (a truncated PNG) and discs/notes.png (text)."""
import argparse, random, struct, zlib


def png_bytes(pixels, width, height, channels):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    colour_type = {1: 0, 3: 2}[channels]
    raw = b"".join(b"\0" + bytes(pixels[y * width * channels:(y + 1) * width * channels]) for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def draw(kind, width, height, rng):
    fg = [rng.randrange(128, 256), rng.randrange(0, 128), rng.randrange(0, 256)]
    rng.shuffle(fg)
    bg = [rng.randrange(0, 90) for _ in range(3)]
    cx, cy = rng.uniform(0.35, 0.65) * width, rng.uniform(0.35, 0.65) * height
    r = rng.uniform(0.18, 0.3) * min(width, height)
    period = rng.uniform(3, 6)
    out = []
    for y in range(height):
        for x in range(width):
            if kind == "discs":
                inside = (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r
            elif kind == "squares":
                inside = abs(x + 0.5 - cx) <= r and abs(y + 0.5 - cy) <= r
            else:
                inside = int((x + y) / period) % 2 == 0
            out.extend(fg if inside else bg)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--per-class", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--corrupt", action="store_true")
    a = ap.parse_args()
    import os
    rng = random.Random(a.seed)
    for kind in ("discs", "squares", "stripes"):
        os.makedirs(os.path.join(a.out, kind), exist_ok=True)
        for i in range(a.per_class):
            w, h = (24, 24) if i % 2 == 0 else (40, 32)
            px = draw(kind, w, h, rng)
            channels = 3
            if i % 5 == 4:  # a grey one: the folder stays colour, the reader repeats it to 3 channels
                px = [sum(px[j:j + 3]) // 3 for j in range(0, len(px), 3)]
                channels = 1
            with open(os.path.join(a.out, kind, f"{i:04d}.png"), "wb") as f:
                f.write(png_bytes(px, w, h, channels))
    if a.corrupt:
        good = png_bytes(draw("squares", 24, 24, rng), 24, 24, 3)
        with open(os.path.join(a.out, "squares", "broken.png"), "wb") as f:
            f.write(good[: len(good) // 2])
        with open(os.path.join(a.out, "discs", "notes.png"), "w") as f:
            f.write("not an image\n")


if __name__ == "__main__":
    main()
