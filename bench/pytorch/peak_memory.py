"""Peak memory of one model's training steps on the PyTorch side (for bench/peak_memory.sh).

  peak_memory.py BM_<Name> [steps]

Prints "BM_<Name> <idle KiB> <peak KiB>": the process's maximum resident set after
importing torch (idle), and after building the model and running `steps` training
steps (peak).
The same models, batches and steps as the benchmarks (vae.py, aae.py, vrnn.py).
"""
import resource
import sys

import torch

import common


def max_rss_kib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def make(name):
    if name in ("BM_VaeMlpStep", "BM_ConvVaeStep", "BM_CvaeStep"):
        import vae
        x, y = torch.rand(128, 784), torch.arange(128) % 10
        model = {"BM_VaeMlpStep": lambda: vae.Vae(), "BM_ConvVaeStep": lambda: vae.Vae(conv=True),
                 "BM_CvaeStep": lambda: vae.Vae(cond=10)}[name]()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        labels = y if name == "BM_CvaeStep" else None
        return lambda: vae.step(model, opt, x, labels)
    if name == "BM_AaeStep":
        import aae
        return aae.step
    if name in ("BM_VrnnSeriesStep", "BM_VrnnTextStep"):
        import vrnn
        text = name == "BM_VrnnTextStep"
        m = vrnn.Vrnn(text, 128 if text else 64, 16)
        opt = torch.optim.Adam(m.parameters(), lr=1e-3)
        data = torch.randint(32, 127, (32, 64)) if text else torch.randn(32, 64, 1)
        return lambda: vrnn.train_step(m, opt, data)
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
