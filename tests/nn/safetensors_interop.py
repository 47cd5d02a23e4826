"""Reads and writes safetensors files with numpy and json only (plus torch when
asked), to check xgrad's files against an independent implementation.

  safetensors_interop.py write PATH   write the reference file (unaligned header, shuffled offsets)
  safetensors_interop.py check PATH   check the file xgrad's test wrote
  safetensors_interop.py torch PATH   the same check after loading into PyTorch

Exit status 0 on success; a message on stdout otherwise.
"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64}


def expected():
    """What xgrad's test writes (tests/nn/safetensors_test.cpp)."""
    return {
        "w": np.arange(6, dtype=np.float32).reshape(2, 3) * np.float32(0.5),
        "d": np.array([-1.5, 0.0, 1e-300, 1e300], dtype=np.float64),
        "i": np.array([[1, -2], [1 << 40, -(1 << 62)]], dtype=np.int64),
        "e": np.zeros((0, 3), dtype=np.float32),
        "s": np.array(3.25, dtype=np.float64),
    }, {"epoch": "3", "name": "unicode \u00e9"}


def read(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        b, e = info["data_offsets"]
        arr = np.frombuffer(data[b:e], dtype=np.dtype(DTYPES[info["dtype"]]).newbyteorder("<"))
        out[name] = arr.reshape(info["shape"])
    return n, out, meta


def check(path):
    n, tensors, meta = read(path)
    want, want_meta = expected()
    if (8 + n) % 8 != 0:
        return f"data starts at byte {8 + n}, not 8-byte aligned"
    if meta != want_meta:
        return f"metadata {meta} != {want_meta}"
    if sorted(tensors) != sorted(want):
        return f"tensor names {sorted(tensors)} != {sorted(want)}"
    for k, v in want.items():
        got = tensors[k]
        if got.dtype != v.dtype or got.shape != v.shape or not np.array_equal(got, v):
            return f"tensor {k}: got {got.dtype} {got.shape} {got!r}, want {v.dtype} {v.shape} {v!r}"
    return None


def check_torch(path):
    import torch

    _, tensors, _ = read(path)
    want, _ = expected()
    types = {np.float32: torch.float32, np.float64: torch.float64, np.int64: torch.int64}
    for k, v in want.items():
        t = torch.from_numpy(tensors[k].copy())
        if t.dtype != types[v.dtype.type] or tuple(t.shape) != v.shape:
            return f"torch tensor {k}: {t.dtype} {tuple(t.shape)}"
        if not torch.equal(t, torch.tensor(v)):
            return f"torch tensor {k}: values differ: {t}"
    # A computation in torch on the loaded weights: w @ w.T.
    w = torch.from_numpy(tensors["w"].copy())
    if not torch.allclose(w @ w.T, torch.tensor([[1.25, 3.5], [3.5, 12.5]])):
        return f"torch matmul on loaded weights gave {w @ w.T}"
    return None


def write(path):
    """Written the way other tools may: no padding, offsets not in header order."""
    tensors = {
        "a": np.array([[1.0, -2.0], [3.5, 1e-7]], dtype=np.float32),
        "b": np.array([2.0 ** -1074, -0.0, 12345.678], dtype=np.float64),
        "c": np.array([-(1 << 63), (1 << 63) - 1, 0], dtype=np.int64),
        "z": np.zeros((2, 0), dtype=np.int64),
    }
    layout = ["c", "z", "a", "b"]  # data order differs from the header's key order
    offsets, blobs, pos = {}, [], 0
    for name in layout:
        blob = tensors[name].astype(tensors[name].dtype.newbyteorder("<")).tobytes()
        offsets[name] = [pos, pos + len(blob)]
        blobs.append(blob)
        pos += len(blob)
    names = {np.dtype(np.float32): "F32", np.dtype(np.float64): "F64", np.dtype(np.int64): "I64"}
    header = {"__metadata__": {"writer": "numpy"}}
    for name in ["a", "b", "c", "z"]:
        header[name] = {"dtype": names[tensors[name].dtype], "shape": list(tensors[name].shape),
                        "data_offsets": offsets[name]}
    text = json.dumps(header).encode("utf-8")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "write":
        write(path)
        problem = None
    elif mode == "check":
        problem = check(path)
    elif mode == "torch":
        problem = check_torch(path)
    else:
        problem = f"unknown mode {mode}"
    if problem:
        print(problem)
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
