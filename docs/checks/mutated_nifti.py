"""Mutated NIfTI files against `termlabel info --json` (and `segment --clicks` on some), under a memory guard.

Makes N mutants of the conformance files (header fields set to extremes, truncation, byte flips, NIfTI-2 offsets and
sizes near the integer limits, gzip bombs), runs the binary on each with a 4 GB address-space limit and a timeout,
and counts the outcomes: exit 0, a clean refusal (exit 1 and one line naming a file), or a failure (a signal, a
timeout, more than one line, or a line that names no file). Run: python3 mutated_nifti.py BINARY OUT [N]."""

import gzip
import os
import random
import resource
import struct
import subprocess
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCES = os.path.join(HERE, "..", "..", "Tests", "VolumeTests", "Fixtures", "conformance")


BOMBS = {}


def bomb(header, zeros):
    """gzip of the header and `zeros` zero bytes, streamed (gigabytes never sit in memory), made once per header."""
    key = (header, zeros)
    if key not in BOMBS:
        packer = zlib.compressobj(1, zlib.DEFLATED, 31)
        chunk = bytes(1 << 24)
        parts = [packer.compress(header)]
        for _ in range(zeros // len(chunk)):
            parts.append(packer.compress(chunk))
        parts.append(packer.compress(bytes(zeros % len(chunk))))
        parts.append(packer.flush())
        BOMBS[key] = b"".join(parts)
    return BOMBS[key]


def mutants(rng, count):
    names = [n for n in sorted(os.listdir(SOURCES)) if n.endswith((".nii", ".nii.gz")) and not n.startswith("broken")]
    for n in range(count):
        name = rng.choice(names)
        data = open(os.path.join(SOURCES, name), "rb").read()
        raw = bytearray(gzip.decompress(data) if name.endswith(".gz") else data)
        two = struct.unpack_from("<i", raw, 0)[0] == 540
        kind = rng.choice(["field", "field", "float", "truncate", "flip", "offset", "bomb"])
        if kind == "field":
            # An integer field of the header set to an extreme.
            off = rng.choice(range(40, 56, 2)) if not two else rng.choice(range(16, 80, 8))
            value = rng.choice([0, -1, 1, 2**15 - 1, -2**15])
            struct.pack_into("<h" if not two else "<q", raw, off, value if not two else value * 2**40)
        elif kind == "float":
            # pixdim, vox_offset, scl_slope/inter, srow: NaN, inf, huge, tiny.
            offs = list(range(76, 112, 4)) + [108, 112, 116] + list(range(280, 328, 4)) if not two else list(range(104, 168, 8)) + [168, 176, 184] + list(range(400, 496, 8))
            off = rng.choice(offs)
            value = rng.choice([float("nan"), float("inf"), -float("inf"), 3e38, 1e-38, 0.0, -1.0])
            struct.pack_into("<f" if not two else "<d", raw, off, value)
        elif kind == "truncate":
            raw = raw[: rng.randrange(0, len(raw))]
        elif kind == "flip":
            for _ in range(rng.randrange(1, 20)):
                i = rng.randrange(0, min(len(raw), 600))
                raw[i] ^= 1 << rng.randrange(8)
        elif kind == "offset" and two:
            struct.pack_into("<q", raw, 168, rng.choice([2**63 - 1, 2**62, -2**62, 2**40]))
        elif kind == "bomb":
            # Dimensions claiming gigabytes, the data really there as zeros that compress to almost nothing.
            dims = (3, 2048, 2048, 512) if rng.random() < 0.5 else (3, 30000, 30000, 30000)
            if not two:
                struct.pack_into("<8h", raw, 40, dims[0], min(dims[1], 32767), min(dims[2], 32767), min(dims[3], 32767), 1, 1, 1, 1)
                voxoff = int(struct.unpack_from("<f", raw, 108)[0]) or 352
            else:
                struct.pack_into("<8q", raw, 16, dims[0], dims[1], dims[2], dims[3], 1, 1, 1, 1)
                voxoff = struct.unpack_from("<q", raw, 168)[0] or 544
            yield n, bomb(bytes(raw[:voxoff]), min(dims[1] * dims[2] * dims[3], 2048 * 2048 * 512) * 2), True
            continue
        gz = name.endswith(".gz") or rng.random() < 0.3
        yield n, (gzip.compress(bytes(raw)) if gz else bytes(raw)), gz


def limit():
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def main():
    binary, out = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 400
    os.makedirs(out, exist_ok=True)
    rng = random.Random(7)
    outcomes = {"ok": 0, "refused": 0, "failed": 0}
    failures = []
    for n, data, gz in mutants(rng, count):
        path = os.path.join(out, f"m{n:04d}.nii" + (".gz" if gz else ""))
        open(path, "wb").write(data)
        runs = [["info", "--json", path]]
        if n % 10 == 0:
            clicks = os.path.join(out, "clicks.json")
            open(clicks, "w").write('{"foreground": [[1, 1, 1]]}')
            runs.append(["segment", path, "--clicks", clicks, "--out", os.path.join(out, "seg.nii.gz")])
        for args in runs:
            try:
                p = subprocess.run([binary] + args, capture_output=True, timeout=120, preexec_fn=limit)
            except subprocess.TimeoutExpired:
                outcomes["failed"] += 1
                failures.append((args, "timeout"))
                continue
            err = p.stderr.decode(errors="replace").strip()
            if p.returncode == 0:
                outcomes["ok"] += 1
            elif p.returncode == 1 and err.count("\n") == 0 and err.startswith("termlabel: /"):
                outcomes["refused"] += 1
            else:
                outcomes["failed"] += 1
                failures.append((args, f"exit {p.returncode}: {err[:300]}"))
    print(outcomes)
    for args, why in failures[:20]:
        print(" ".join(args[:2]), os.path.basename(args[-1] if args[0] == "info" else args[1]), why)


if __name__ == "__main__":
    main()
