"""Pictures of synthetic training studies for docs/synthetic/: for each study, the middle slice along each voxel axis
of the image (1st–99th percentile window) above the same slices of its label map in arbitrary colours.

    termlabel samples --synthetic 8 --out /tmp/syn
    python docs/checks/synthetic_pictures.py /tmp/syn/synthetic docs/synthetic/studies.png

Needs numpy and nibabel; writes the PNG with zlib alone. Not run in CI.
"""
import glob
import os
import struct
import sys
import zlib

import nibabel as nib
import numpy as np

folder, out = sys.argv[1], sys.argv[2]
palette = np.random.default_rng(7).integers(40, 255, size=(256, 3)).astype(np.uint8)
palette[0] = 0
tiles = []
size = 128


def fit(slice2d):
    """Nearest-neighbour resize to size × size, keeping the aspect (padded with black)."""
    h, w = slice2d.shape[:2]
    scale = size / max(h, w)
    ys = (np.arange(int(h * scale)) / scale).astype(int)
    xs = (np.arange(int(w * scale)) / scale).astype(int)
    small = slice2d[ys][:, xs]
    canvas = np.zeros((size, size) + slice2d.shape[2:], dtype=slice2d.dtype)
    canvas[: small.shape[0], : small.shape[1]] = small
    return canvas


for path in sorted(glob.glob(os.path.join(folder, "syn_*.nii.gz"))):
    image = nib.load(path)
    data = np.asarray(image.dataobj, dtype=np.float32)
    labels = np.asarray(nib.load(os.path.join(folder, "labels", "final", os.path.basename(path))).dataobj).astype(int)
    zooms = image.header.get_zooms()[:3]
    lo, hi = np.percentile(data, [1, 99])
    grey = (np.clip((data - lo) / max(hi - lo, 1e-6), 0, 1) * 255).astype(np.uint8)
    column = []
    for axis in range(3):
        index = data.shape[axis] // 2
        g = np.take(grey, index, axis=axis).T[::-1]
        l = np.take(labels, index, axis=axis).T[::-1]
        # Physical aspect: stretch rows by the ratio of the voxel sizes shown.
        axes = [a for a in range(3) if a != axis]
        ratio = zooms[axes[1]] / zooms[axes[0]]
        rows = (np.arange(int(g.shape[0] * ratio)) / ratio).astype(int)
        column.append((fit(np.stack([g[rows]] * 3, axis=-1)), fit(palette[l[rows] % 256])))
    tiles.append(np.concatenate([np.concatenate([c[0] for c in column], axis=1), np.concatenate([c[1] for c in column], axis=1)], axis=0))

mosaic = np.concatenate([np.concatenate(tiles[i:i + 2], axis=1) for i in range(0, len(tiles) - 1, 2)], axis=0)
h, w = mosaic.shape[:2]
raw = b"".join(b"\x00" + mosaic[y].tobytes() for y in range(h))


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
open(out, "wb").write(png)
print(f"{out}: {w}×{h}, {len(tiles)} studies")
