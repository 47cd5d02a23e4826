"""Peak memory of one model's training steps on the PyTorch side (for bench/peak_memory.sh).

  peak_memory.py BM_<Name> [steps]

Prints "BM_<Name> <idle KiB> <peak KiB>": the process's maximum resident set after
importing torch (idle), and after building the model and running `steps` training
steps (peak).
The same models, batches and steps as the benchmarks (vae.py, aae.py, vrnn.py, hvae.py,
vq_vae.py, transformer.py).
"""
import resource
import sys

import torch  # noqa: F401 -- the idle figure is taken with torch loaded

import common


def max_rss_kib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def make(name):
    if name in ("BM_VaeMlpStep", "BM_ConvVaeStep", "BM_CvaeStep"):
        import vae
        return vae.training_step(name)
    if name == "BM_AaeStep":
        import aae
        return aae.step
    if name in ("BM_VrnnSeriesStep", "BM_VrnnTextStep"):
        import vrnn
        return vrnn.bench_step(name == "BM_VrnnTextStep")
    if name == "BM_HvaeStep/batch:64":
        import hvae
        return hvae.bench_step(64)
    if name == "BM_VqVaeStep":
        import vq_vae
        return vq_vae.bench_step()
    if name == "BM_TransformerEncoderLayerStep":
        import transformer
        return transformer.encoder_layer_step()
    if name == "BM_TransformerVaeTextStep":
        import transformer
        return transformer.transformer_vae_step()
    raise SystemExit(f"peak_memory.py: unknown step {name}")


def main():
    name = sys.argv[1]
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    common.setup()
    idle = max_rss_kib()
    step = make(name)
    for _ in range(steps):
        step()
    print(name, idle, max_rss_kib(), flush=True)


if __name__ == "__main__":
    main()
