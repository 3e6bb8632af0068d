#!/usr/bin/env python3
"""Train a CIFAR ResNet (depth 6n+2, option-A shortcuts) and export it as ONNX.

The network and the exported graph have the same form as the shared paper
models (shared/models/README.md): conv3x3 3->16 + BN + ReLU, three stages of
n basic blocks (16/32/64 channels), option-A shortcut (x[:, :, ::2, ::2] as
one ONNX Slice, channel zero-padding as one ONNX Pad, both with named
initializer arguments), global average pool, flatten, linear. BatchNorm stays
a separate node. Input: RGB / 255, normalized with mean (0.4914, 0.4822,
0.4465) and std (0.2023, 0.1994, 0.2010); no division by the FHE bound B (the
engine does that).

Data: CIFAR-10 binary files (data_batch_1..5.bin, test_batch.bin) in --data.
Augmentation: random 32x32 crop of the image zero-padded by 4 pixels (padding
with pixel value 0 before normalisation), random horizontal flip.
Optimiser: SGD, momentum 0.9 (Nesterov), weight decay; learning rate: linear
warm-up then cosine decay to 0, updated every step (or a step schedule).

Every epoch a checkpoint (model, optimiser, scheduler, epoch, RNG states) is
written atomically to --checkpoint-dir/last.pt; --resume continues from it
exactly (the data order and augmentation of epoch e depend only on --seed and
e). Progress goes to --log (and stdout).

Bound on ReLU inputs: the encrypted engine divides by B and needs every ReLU
input in [-B, B]. The script records max |ReLU input| per ReLU on the test set
every epoch and on the whole training set (no augmentation) and the test set
at the end (JSON next to the checkpoints). With --act-penalty > 0 (default),
ReLU inputs with |x| > margin * B in training add
act_penalty * sum((|x| - margin * B)^2) / batch to the loss from epoch
--act-penalty-start on (default: all epochs; the penalty is zero as long as
the activations stay inside the bound).

At the end the final model (not the best epoch: the test set is not used for
selection) is exported to --out, checked against a numpy re-implementation of
the ONNX graph, and compared structurally with the shared paper model of the
same depth when it exists.

Examples:
    /usr/bin/python3 scripts/train_resnet.py --data /work/shared/data/cifar10 --depth 20 \\
        --epochs 50 --checkpoint-dir /work/fhecnn-train/resnet20 \\
        --log /work/fhecnn-train/resnet20/train.log --out models/resnet20-cifar10.onnx --resume
    # time 30 steps and extrapolate seconds per epoch:
    /usr/bin/python3 scripts/train_resnet.py --data /work/shared/data/cifar10 --benchmark-steps 30
    # re-export / re-evaluate from the last checkpoint:
    /usr/bin/python3 scripts/train_resnet.py --data ... --checkpoint-dir ... --export-only --out x.onnx

Needs Debian's python3-torch (1.13), python3-onnx and python3-numpy; run with
/usr/bin/python3.
"""

import argparse
import datetime
import json
import math
import os
import random
import sys
import time

# Sleep instead of spinning while waiting at OpenMP barriers (read when torch loads libgomp). On the
# shared 2-core machine, with C++ builds running and this process at nice 19, spinning threads made
# a training step 2.3x slower (3.7 s vs 1.6 s) and burnt 3.5x the CPU time; override via environment.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2023, 0.1994, 0.2010)
RECORD_BYTES = 3073
TRAIN_FILES = [f"data_batch_{i}.bin" for i in range(1, 6)]
TEST_FILE = "test_batch.bin"
OPSET = 13
HIST_BIN = 1.0 / 16  # bin width of the |x| histograms (quantile upper bounds)
HIST_MAX = 256.0


# --------------------------------------------------------------------------- data


def load_cifar_bin(paths):
    """Reads CIFAR-10 binary files; returns (uint8 [N,3,32,32], int64 [N])."""
    chunks = []
    for p in paths:
        raw = np.fromfile(p, dtype=np.uint8)
        if raw.size % RECORD_BYTES:
            raise ValueError(f"{p}: size {raw.size} is not a multiple of {RECORD_BYTES}")
        chunks.append(raw.reshape(-1, RECORD_BYTES))
    raw = np.concatenate(chunks)
    labels = raw[:, 0].astype(np.int64)
    if labels.max() > 9:
        raise ValueError("label > 9: not CIFAR-10")
    images = raw[:, 1:].reshape(-1, 3, 32, 32)
    return torch.from_numpy(np.ascontiguousarray(images)), torch.from_numpy(labels)


class Normalizer:
    def __init__(self):
        self.mean = torch.tensor(MEAN, dtype=torch.float32).view(1, 3, 1, 1)
        self.std = torch.tensor(STD, dtype=torch.float32).view(1, 3, 1, 1)

    def __call__(self, u8):
        return (u8.float() / 255.0 - self.mean) / self.std


def augment(padded_u8, idx, gen):
    """Random 32x32 crop of the 40x40 zero-padded images idx, random h-flip."""
    b = idx.numel()
    oy = torch.randint(0, 9, (b,), generator=gen)
    ox = torch.randint(0, 9, (b,), generator=gen)
    flip = torch.rand(b, generator=gen) < 0.5
    ar = torch.arange(32)
    rows = (oy[:, None] + ar[None, :])  # [b,32]
    cols = ox[:, None] + ar[None, :]
    cols = torch.where(flip[:, None], cols.flip(1), cols)
    x = padded_u8[idx[:, None, None, None], torch.arange(3)[None, :, None, None],
                  rows[:, None, :, None], cols[:, None, None, :]]
    return x


# -------------------------------------------------------------------------- model


class _OptionAExport(torch.autograd.Function):
    """Option-A shortcut as exactly one ONNX Slice and one ONNX Pad (used only while exporting).

    torch.onnx would export x[:, :, ::2, ::2] as two Slice nodes and the channel padding as a
    Pad whose 'pads' input is computed by a dozen shape nodes; the shared models have one Slice
    (axes [2, 3], steps [2, 2], ends [H, W]) and one Pad with constant arguments.
    """

    @staticmethod
    def forward(ctx, x, pad, in_hw):
        return F.pad(x[:, :, 0:in_hw:2, 0:in_hw:2], (0, 0, 0, 0, pad, pad))

    @staticmethod
    def symbolic(g, x, pad, in_hw):
        def c(v, dtype=torch.int64):
            return g.op("Constant", value_t=torch.tensor(v, dtype=dtype))
        y = g.op("Slice", x, c([0, 0]), c([in_hw, in_hw]), c([2, 3]), c([2, 2]))
        return g.op("Pad", y, c([0, pad, 0, 0, 0, pad, 0, 0]), c(0.0, torch.float32), mode_s="constant")


class ShortcutA(nn.Module):
    """Option A: every second row/column from 0, channels zero-padded by C/2 per side.

    The slice end is the input size (not 'to the end') so that the ONNX Slice
    has the same arguments as the shared models (ends = [H, W]).
    """

    def __init__(self, in_planes, in_hw):
        super().__init__()
        self.pad = in_planes // 2
        self.in_hw = in_hw

    def forward(self, x):
        if torch.onnx.is_in_onnx_export():
            return _OptionAExport.apply(x, self.pad, self.in_hw)
        y = x[:, :, 0:self.in_hw:2, 0:self.in_hw:2]
        return F.pad(y, (0, 0, 0, 0, self.pad, self.pad), "constant", 0.0)


class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride, in_hw):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        if stride != 1 or in_planes != planes:
            if planes != 2 * in_planes or stride != 2:
                raise ValueError("option-A shortcut needs planes = 2 * in_planes, stride 2")
            self.shortcut = ShortcutA(in_planes, in_hw)
        else:
            self.shortcut = nn.Identity()
        self.relu2 = nn.ReLU()

    def forward(self, x):
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = out + self.shortcut(x)
        return self.relu2(out)


class CifarResNet(nn.Module):
    def __init__(self, depth, num_classes=10):
        super().__init__()
        if depth < 8 or (depth - 2) % 6:
            raise ValueError("depth must be 6n + 2 with n >= 1")
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU()
        self.layer1 = self._stage(16, 16, n, 1, 32)
        self.layer2 = self._stage(16, 32, n, 2, 32)
        self.layer3 = self._stage(32, 64, n, 2, 16)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.linear = nn.Linear(64, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    @staticmethod
    def _stage(in_planes, planes, n, stride, in_hw):
        blocks = [BasicBlock(in_planes, planes, stride, in_hw)]
        blocks += [BasicBlock(planes, planes, 1, in_hw // stride) for _ in range(n - 1)]
        return nn.Sequential(*blocks)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        x = torch.flatten(self.avgpool(x), 1)
        return self.linear(x)


def relu_modules(model):
    """(module name, ONNX node name, module) of every ReLU, in graph order."""
    out = []
    for name, m in model.named_modules():
        if isinstance(m, nn.ReLU):
            if name == "relu":
                node = "/relu/Relu"
            else:  # layerS.K.reluJ
                stage, k, r = name.split(".")
                node = f"/{stage}/{stage}.{k}/{r}/Relu"
            out.append((name, node, m))
    return out


class ReluRecorder:
    """Forward pre-hooks on every ReLU.

    mode 'stats': per-ReLU min / max / histogram of |x| / record of the largest |x| (no grad).
    mode 'minmax': only min / max (cheap, used every epoch).
    mode 'penalty': keeps the inputs so that the penalty can be computed.
    """

    def __init__(self, model):
        self.relus = relu_modules(model)
        self.mode = None
        self.inputs = []
        self.reset_stats()
        self.handles = [m.register_forward_pre_hook(self._hook(i)) for i, (_, _, m) in enumerate(self.relus)]

    def reset_stats(self):
        k = len(self.relus)
        self.min = [math.inf] * k
        self.max = [-math.inf] * k
        self.shape = [None] * k
        nb = int(HIST_MAX / HIST_BIN)
        self.hist = [torch.zeros(nb + 1, dtype=torch.float64) for _ in range(k)]
        self.argmax_abs = [(0.0, -1)] * k  # (max |x|, sample index) for locating outliers
        self.offset = 0

    def _hook(self, i):
        def hook(_module, args):
            x = args[0]
            if self.mode == "penalty":
                self.inputs.append(x)
            elif self.mode in ("stats", "minmax"):
                with torch.no_grad():
                    xd = x.detach()
                    self.shape[i] = list(xd.shape[1:])
                    self.min[i] = min(self.min[i], float(xd.min()))
                    self.max[i] = max(self.max[i], float(xd.max()))
                    if self.mode == "minmax":
                        return
                    a = xd.abs()
                    per_sample = a.flatten(1).max(1).values
                    j = int(per_sample.argmax())
                    if float(per_sample[j]) > self.argmax_abs[i][0]:
                        self.argmax_abs[i] = (float(per_sample[j]), self.offset + j)
                    b = torch.clamp((a / HIST_BIN).floor().long().flatten(), max=self.hist[i].numel() - 1)
                    self.hist[i] += torch.bincount(b, minlength=self.hist[i].numel()).double()
        return hook

    def quantile_upper(self, i, q):
        h = self.hist[i]
        c = torch.cumsum(h, 0)
        k = int(torch.searchsorted(c, torch.tensor(q * float(c[-1]), dtype=torch.float64)))
        return (k + 1) * HIST_BIN

    def summary(self):
        rows = []
        for i, (name, node, _) in enumerate(self.relus):
            rows.append({
                "index": i, "onnx_node": node, "module": name, "shape_chw": self.shape[i],
                "min": round(self.min[i], 4), "max": round(self.max[i], 4),
                "max_abs": round(max(-self.min[i], self.max[i]), 4),
                "p99_abs_upper": self.quantile_upper(i, 0.99),
                "p99_99_abs_upper": self.quantile_upper(i, 0.9999),
                "max_abs_record": self.argmax_abs[i][1],
            })
        return rows


# ---------------------------------------------------------------- schedule, state


class LrLambda:
    """Multiplier of the base learning rate at optimiser step s (picklable)."""

    def __init__(self, kind, total_steps, warmup_steps, milestones_steps=(), gamma=0.1):
        self.kind = kind
        self.total = total_steps
        self.warmup = warmup_steps
        self.milestones = list(milestones_steps)
        self.gamma = gamma

    def __call__(self, s):
        if s < self.warmup:
            return (s + 1) / self.warmup
        if self.kind == "cosine":
            t = (s - self.warmup) / max(1, self.total - self.warmup)
            return 0.5 * (1.0 + math.cos(math.pi * min(1.0, t)))
        return self.gamma ** sum(1 for m in self.milestones if s >= m)


def rng_state():
    return {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}


def set_rng_state(st):
    torch.set_rng_state(st["torch"])
    np.random.set_state(st["numpy"])
    random.setstate(st["python"])


def atomic_torch_save(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


def atomic_write_text(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


class Logger:
    def __init__(self, path):
        self.path = path
        if path:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)

    def __call__(self, msg):
        line = f"[{datetime.datetime.now().strftime('%Y-%m-%d %H:%M:%S')}] {msg}"
        print(line, flush=True)
        if self.path:
            with open(self.path, "a") as f:
                f.write(line + "\n")


# ----------------------------------------------------------------- train / eval


def evaluate(model, images, labels, norm, batch=500, recorder=None, mode="stats"):
    model.eval()
    correct, loss_sum = 0, 0.0
    if recorder is not None:
        recorder.reset_stats()
        recorder.mode = mode
    with torch.no_grad():
        for s in range(0, images.shape[0], batch):
            if recorder is not None:
                recorder.offset = s
            x = norm(images[s:s + batch])
            y = labels[s:s + batch]
            out = model(x)
            loss_sum += float(F.cross_entropy(out, y, reduction="sum"))
            correct += int((out.argmax(1) == y).sum())
    if recorder is not None:
        recorder.mode = None
    n = images.shape[0]
    return loss_sum / n, 100.0 * correct / n


def ranges_json(args, sets, model_name):
    return {
        "what": "Range of the values entering each ReLU (plaintext float32, eval mode), per data set: "
                "min, max, max_abs, p99_abs_upper / p99_99_abs_upper (upper bin edges, width 1/16, of the "
                "99% / 99.99% quantiles of |x| over all elements), max_abs_record (record index of the "
                "largest |x|).",
        "model": model_name,
        "preprocessing": {"name": "reference", "pixel_scale": "1/255", "mean": list(MEAN), "std": list(STD)},
        "bound_B": args.bound,
        "sets": sets,
    }


def train(args, log):
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    random.seed(args.seed)
    norm = Normalizer()
    t0 = time.time()
    train_x, train_y = load_cifar_bin([os.path.join(args.data, f) for f in TRAIN_FILES])
    test_x, test_y = load_cifar_bin([os.path.join(args.data, TEST_FILE)])
    if args.train_subset:
        train_x, train_y = train_x[:args.train_subset], train_y[:args.train_subset]
    if args.test_subset:
        test_x, test_y = test_x[:args.test_subset], test_y[:args.test_subset]
    padded = F.pad(train_x, (4, 4, 4, 4))  # uint8 zeros = black, like torchvision's RandomCrop(padding=4)
    n_train = train_x.shape[0]
    steps_per_epoch = n_train // args.batch_size  # drop the last partial batch
    total_steps = steps_per_epoch * args.epochs
    log(f"data: {n_train} train, {test_x.shape[0]} test records from {args.data} ({time.time() - t0:.1f}s)")

    model = CifarResNet(args.depth)
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if (p.ndim == 1 and args.no_bn_decay) else decay).append(p)
    optimizer = torch.optim.SGD([{"params": decay, "weight_decay": args.weight_decay},
                                 {"params": no_decay, "weight_decay": 0.0}],
                                lr=args.lr, momentum=args.momentum, nesterov=args.nesterov)
    milestones = [int(float(m) * steps_per_epoch) for m in args.milestones.split(",")] if args.milestones else []
    lam = LrLambda(args.schedule, total_steps, int(args.warmup_epochs * steps_per_epoch), milestones, args.gamma)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lam)
    criterion = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)
    recorder = ReluRecorder(model)
    n_params = sum(p.numel() for p in model.parameters())

    start_epoch = 0
    history = []
    ckpt_path = os.path.join(args.checkpoint_dir, "last.pt") if args.checkpoint_dir else None
    if args.resume and ckpt_path and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        if ck["args"]["depth"] != args.depth:
            raise SystemExit(f"checkpoint depth {ck['args']['depth']} != --depth {args.depth}")
        for k in ("epochs", "lr", "batch_size", "schedule", "weight_decay", "seed", "warmup_epochs"):
            if ck["args"].get(k) != getattr(args, k):
                log(f"WARNING: resuming with {k}={getattr(args, k)} but the checkpoint was made with "
                    f"{k}={ck['args'].get(k)}")
        model.load_state_dict(ck["model"])
        optimizer.load_state_dict(ck["optimizer"])
        scheduler.load_state_dict(ck["scheduler"])
        scheduler.lr_lambdas[0] = lam  # the lambda follows the current args (same as saved if unchanged)
        set_rng_state(ck["rng"])
        start_epoch = ck["epoch"]
        history = ck.get("history", [])
        log(f"resumed from {ckpt_path}: {start_epoch} of {args.epochs} epochs done")
    else:
        log(f"start: ResNet-{args.depth}, {n_params} parameters, args {json.dumps(vars(args))}")
    log(f"{steps_per_epoch} steps/epoch, {args.epochs} epochs, schedule {args.schedule}, torch threads "
        f"{torch.get_num_threads()}")

    for epoch in range(start_epoch, args.epochs):
        model.train()
        gen = torch.Generator()
        gen.manual_seed(args.seed * 1_000_003 + epoch)
        perm = torch.randperm(n_train, generator=gen)
        use_penalty = args.act_penalty > 0 and epoch >= args.act_penalty_start
        thr = args.act_margin * args.bound
        te = time.time()
        loss_sum, pen_sum, correct, seen = 0.0, 0.0, 0, 0
        tlog = time.time()
        for step in range(steps_per_epoch):
            idx = perm[step * args.batch_size:(step + 1) * args.batch_size]
            x = norm(augment(padded, idx, gen))
            if args.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            y = train_y[idx]
            recorder.mode = "penalty" if use_penalty else None
            recorder.inputs = []
            out = model(x)
            loss = criterion(out, y)
            total = loss
            if use_penalty:
                pen = sum((F.relu(t.abs() - thr) ** 2).sum() for t in recorder.inputs) / x.shape[0]
                total = loss + args.act_penalty * pen
                pen_sum += float(pen) * x.shape[0]
            recorder.inputs = []
            recorder.mode = None
            optimizer.zero_grad(set_to_none=True)
            total.backward()
            optimizer.step()
            scheduler.step()
            loss_sum += float(loss) * x.shape[0]
            correct += int((out.argmax(1) == y).sum())
            seen += x.shape[0]
            if args.benchmark_steps and step + 1 == args.benchmark_steps:
                dt = time.time() - te
                log(f"benchmark: {step + 1} steps in {dt:.1f}s = {dt / (step + 1):.3f} s/step -> "
                    f"{dt / (step + 1) * steps_per_epoch:.0f} s/epoch of training steps "
                    f"(plus test evaluation) at batch {args.batch_size}")
                return None
            if args.log_every and (step + 1) % args.log_every == 0:
                now = time.time()
                log(f"epoch {epoch + 1}/{args.epochs} step {step + 1}/{steps_per_epoch} "
                    f"loss {loss_sum / seen:.4f} train_acc {100.0 * correct / seen:.2f} "
                    f"lr {scheduler.get_last_lr()[0]:.5f} {(now - tlog) / args.log_every:.3f} s/step")
                tlog = now
        train_time = time.time() - te
        test_loss, test_acc = evaluate(model, test_x, test_y, norm, recorder=recorder, mode="minmax")
        relu_max = [max(-a, b) for a, b in zip(recorder.min, recorder.max)]
        worst = int(np.argmax(relu_max))
        rec = {
            "epoch": epoch + 1, "lr_end": scheduler.get_last_lr()[0],
            "train_loss": loss_sum / seen, "train_acc": 100.0 * correct / seen,
            "act_penalty": pen_sum / seen if use_penalty else None,
            "test_loss": test_loss, "test_acc": test_acc,
            "test_relu_max_abs": relu_max[worst], "test_relu_max_at": recorder.relus[worst][0],
            "train_seconds": train_time, "epoch_seconds": time.time() - te,
        }
        history.append(rec)
        if ckpt_path:
            atomic_torch_save({
                "epoch": epoch + 1, "args": vars(args), "model": model.state_dict(),
                "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                "rng": rng_state(), "history": history,
            }, ckpt_path)
            if args.keep_every and (epoch + 1) % args.keep_every == 0:
                atomic_torch_save({"epoch": epoch + 1, "args": vars(args), "model": model.state_dict()},
                                  os.path.join(args.checkpoint_dir, f"model_epoch{epoch + 1:03d}.pt"))
        pen_txt = f" act_pen {rec['act_penalty']:.4g}" if use_penalty else ""
        log(f"EPOCH {epoch + 1}/{args.epochs} loss {rec['train_loss']:.4f} train_acc {rec['train_acc']:.2f} "
            f"test_loss {test_loss:.4f} test_acc {test_acc:.2f} test_relu_max {relu_max[worst]:.2f} "
            f"({recorder.relus[worst][0]}){pen_txt} lr {rec['lr_end']:.5f} "
            f"{train_time:.0f}s train {rec['epoch_seconds']:.0f}s total")
        if args.stop_after_epoch and epoch + 1 >= args.stop_after_epoch and epoch + 1 < args.epochs:
            log(f"stopping after epoch {epoch + 1} (--stop-after-epoch); continue with --resume")
            return None
    return model, (train_x, train_y, test_x, test_y, norm, recorder, history)


def final_report(args, log, model, data):
    train_x, train_y, test_x, test_y, norm, recorder, history = data
    model.eval()
    sets = {}
    results = {}
    for set_name, (xs, ys, desc) in {
        "train": (train_x, train_y, f"all {train_x.shape[0]} training records, no augmentation"),
        "test": (test_x, test_y, f"all {test_x.shape[0]} records of {TEST_FILE}"),
    }.items():
        t = time.time()
        loss, acc = evaluate(model, xs, ys, norm, recorder=recorder)
        rows = recorder.summary()
        worst = max(rows, key=lambda r: r["max_abs"])
        sets[set_name] = {"images": desc, "accuracy": acc, "loss": loss,
                          "max_abs_over_all_relus": worst["max_abs"], "max_abs_at": worst["module"],
                          "min_over_all_relus": min(r["min"] for r in rows), "relus": rows}
        results[set_name] = (acc, worst)
        log(f"final {set_name}: accuracy {acc:.2f}% loss {loss:.4f}, max |ReLU input| {worst['max_abs']:.2f} "
            f"at {worst['module']} (record {worst['max_abs_record']}), most negative "
            f"{sets[set_name]['min_over_all_relus']:.2f}, 99.99% quantile <= "
            f"{max(r['p99_99_abs_upper'] for r in rows):.3f} ({time.time() - t:.0f}s)")
    for name in ("train", "test"):
        m = results[name][1]["max_abs"]
        status = "inside" if m <= args.bound else "EXCEEDS"
        log(f"bound B = {args.bound}: max |ReLU input| on {name} {m:.2f} {status} [-B, B]")
    return sets


# ------------------------------------------------------------------- ONNX export


def shortcut_names(model):
    return [name for name, m in model.named_modules() if isinstance(m, ShortcutA)]


def export_onnx(model, path, args, log, doc):
    import onnx
    from onnx import numpy_helper

    model = model.to(memory_format=torch.contiguous_format).eval()
    tmp = path + ".tmp"
    os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
    import warnings
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TracerWarnings of the shortcut symbolic, constant folding
        torch.onnx.export(model, torch.zeros(1, 3, 32, 32), tmp, input_names=["input"], output_names=["logits"],
                          opset_version=OPSET, do_constant_folding=True,
                          training=torch.onnx.TrainingMode.PRESERVE,  # keeps BatchNormalization nodes
                          export_params=True, keep_initializers_as_inputs=False)
    m = onnx.load(tmp)
    os.remove(tmp)
    g = m.graph
    # Give the Slice / Pad arguments of the option-A shortcuts the names the shared models use and
    # make them initializers (the exporter emits Constant nodes or anonymous initializers).
    consts = {}
    for n in g.node:
        if n.op_type == "Constant":
            consts[n.output[0]] = numpy_helper.to_array(n.attribute[0].t)
    inits = {t.name: t for t in g.initializer}
    renames, new_inits, drop = {}, [], set()

    def value_of(name):
        if name in consts:
            return consts[name]
        if name in inits:
            return numpy_helper.to_array(inits[name])
        raise RuntimeError(f"ONNX export: shortcut argument {name} is not a constant")

    for n in g.node:
        if n.op_type not in ("Slice", "Pad"):
            continue
        prefix = n.name.rsplit("/", 2)[0].split("/")[-1] + ".shortcut"  # /layer2/layer2.0/shortcut/Slice
        if n.op_type == "Slice":
            wanted = [f"{prefix}.slice.{k}" for k in ("starts", "ends", "axes", "steps")]
            dtypes = [np.int64] * 4
        else:
            wanted = [f"{prefix}.pad.pads", f"{prefix}.pad.constant_value"]
            dtypes = [np.int64, np.float32]
        if len(n.input) != len(wanted) + 1:
            raise RuntimeError(f"unexpected {n.op_type} node inputs {list(n.input)}")
        for j, (want, dt) in enumerate(zip(wanted, dtypes)):
            old = n.input[j + 1]
            arr = np.asarray(value_of(old)).astype(dt)
            if n.op_type == "Pad" and j == 1:
                arr = arr.reshape(())
            new_inits.append(numpy_helper.from_array(arr, want))
            renames[old] = want
            drop.add(old)
            n.input[j + 1] = want
    # The exporter merges initializers with equal values (e.g. the BN parameters of an untrained
    # model) into one plus Identity nodes; undo that so every state_dict tensor is an initializer.
    for n in g.node:
        if n.op_type == "Identity":
            if n.input[0] not in inits:
                raise RuntimeError(f"unexpected Identity node {n.name} on {n.input[0]}")
            t = onnx.TensorProto()
            t.CopyFrom(inits[n.input[0]])
            t.name = n.output[0]
            inits[t.name] = t
    # Drop the Constant / Identity nodes and initializers that are no longer used; order the
    # initializers like the shared models: state_dict order, then the shortcut arguments.
    keep_nodes = [n for n in g.node if n.op_type not in ("Constant", "Identity")]
    used = {i for n in keep_nodes for i in n.input}
    unknown = [n.op_type for n in keep_nodes if n.op_type not in
               ("Conv", "BatchNormalization", "Relu", "Add", "Slice", "Pad", "GlobalAveragePool",
                "Flatten", "Gemm")]
    if unknown:
        raise RuntimeError(f"unexpected node types in the export: {sorted(set(unknown))}")
    del g.node[:]
    g.node.extend(keep_nodes)
    state_keys = [k for k in model.state_dict().keys() if k in used]
    missing = [k for k in state_keys if k not in inits]
    if missing:
        raise RuntimeError(f"state_dict tensors missing from the export: {missing}")
    extra = sorted(k for k in used if k in inits and k not in state_keys and k not in drop)
    if extra:
        raise RuntimeError(f"unexpected initializers in the export: {extra}")
    del g.initializer[:]
    g.initializer.extend([inits[k] for k in state_keys] + new_inits)
    m.doc_string = doc
    onnx.checker.check_model(m)
    data = m.SerializeToString()
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    log(f"exported {path} ({len(data)} bytes, {len(g.node)} nodes, {len(g.initializer)} initializers)")
    return m


def compare_with_reference(m, ref_path, log):
    """Structural comparison with a shared paper model (same depth). Returns a list of differences."""
    import onnx
    from onnx import helper
    ref = onnx.load(ref_path)
    diffs = []
    if [(o.domain, o.version) for o in m.opset_import] != [(o.domain, o.version) for o in ref.opset_import]:
        diffs.append(f"opset {m.opset_import} vs {ref.opset_import}")
    if m.ir_version != ref.ir_version:
        diffs.append(f"IR version {m.ir_version} vs {ref.ir_version}")

    def io(vs):
        return [(v.name, v.type.tensor_type.elem_type, [d.dim_value for d in v.type.tensor_type.shape.dim])
                for v in vs]

    if io(m.graph.input) != io(ref.graph.input):
        diffs.append(f"inputs {io(m.graph.input)} vs {io(ref.graph.input)}")
    if io(m.graph.output) != io(ref.graph.output):
        diffs.append(f"outputs {io(m.graph.output)} vs {io(ref.graph.output)}")

    def nodes(g):
        return [(n.op_type, n.name, list(n.input), list(n.output),
                 sorted((a.name, str(helper.get_attribute_value(a))) for a in n.attribute)) for n in g.node]

    a, b = nodes(m.graph), nodes(ref.graph)
    if len(a) != len(b):
        diffs.append(f"{len(a)} nodes vs {len(b)}")
    for x, y in zip(a, b):
        if x != y:
            diffs.append(f"node {x} vs {y}")
    ia = [(t.name, t.data_type, list(t.dims)) for t in m.graph.initializer]
    ib = [(t.name, t.data_type, list(t.dims)) for t in ref.graph.initializer]
    if ia != ib:
        diffs.append(f"initializers differ: {sorted(set(ia) ^ set(ib)) if set(ia) != set(ib) else 'order'}")
    for t_a, t_b in zip(m.graph.initializer, ref.graph.initializer):
        if t_a.name == t_b.name and "shortcut" in t_a.name and t_a.SerializeToString() != t_b.SerializeToString():
            diffs.append(f"shortcut argument {t_a.name} differs")
    if diffs:
        log(f"ONNX form differs from {ref_path} in {len(diffs)} places:")
        for d in diffs[:20]:
            log("  " + d)
    else:
        log(f"ONNX form identical to {ref_path}: same opset/IR, input/output, node types, names, "
            f"inputs, attributes, initializer names/shapes/order and shortcut arguments (weights differ)")
    return diffs


def numpy_onnx_forward(m, x):
    """Independent float64 interpreter for the node types of these models."""
    from onnx import numpy_helper, helper
    env = {t.name: numpy_helper.to_array(t).astype(np.float64) if t.data_type == 1
           else numpy_helper.to_array(t) for t in m.graph.initializer}
    env[m.graph.input[0].name] = x.astype(np.float64)
    for n in m.graph.node:
        at = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        i = [env[k] for k in n.input]
        if n.op_type == "Conv":
            w = i[1]
            s = at.get("strides", [1, 1])
            p = at.get("pads", [0, 0, 0, 0])
            xp = np.pad(i[0], ((0, 0), (0, 0), (p[0], p[2]), (p[1], p[3])))
            win = np.lib.stride_tricks.sliding_window_view(xp, w.shape[2:], axis=(2, 3))[:, :, ::s[0], ::s[1]]
            y = np.einsum("nchwkl,ockl->nohw", win, w, optimize=True)
            if len(i) > 2:
                y = y + i[2][None, :, None, None]
        elif n.op_type == "BatchNormalization":
            sc, b, mu, var = (v[None, :, None, None] for v in i[1:5])
            y = (i[0] - mu) / np.sqrt(var + at.get("epsilon", 1e-5)) * sc + b
        elif n.op_type == "Relu":
            y = np.maximum(i[0], 0)
        elif n.op_type == "Add":
            y = i[0] + i[1]
        elif n.op_type == "Slice":
            sl = [slice(None)] * i[0].ndim
            for st, en, ax, sp in zip(i[1], i[2], i[3], i[4]):
                sl[int(ax)] = slice(int(st), int(en), int(sp))
            y = i[0][tuple(sl)]
        elif n.op_type == "Pad":
            pads = i[1]
            r = i[0].ndim
            y = np.pad(i[0], [(int(pads[d]), int(pads[d + r])) for d in range(r)],
                       constant_values=float(i[2]) if len(i) > 2 else 0.0)
        elif n.op_type == "GlobalAveragePool":
            y = i[0].mean(axis=(2, 3), keepdims=True)
        elif n.op_type == "Flatten":
            y = i[0].reshape(i[0].shape[0], -1)
        elif n.op_type == "Gemm":
            wt = i[1].T if at.get("transB", 0) else i[1]
            y = at.get("alpha", 1.0) * (i[0] @ wt) + at.get("beta", 1.0) * i[2]
        else:
            raise RuntimeError(f"unsupported node type {n.op_type}")
        env[n.output[0]] = y
    return env[m.graph.output[0].name]


def verify_onnx(m, model, test_x, test_y, norm, n, log):
    model = model.to(memory_format=torch.contiguous_format).eval()
    x = norm(test_x[:n])
    with torch.no_grad():
        ref = model(x).double().numpy()
    got = np.concatenate([numpy_onnx_forward(m, x[s:s + 50].numpy()) for s in range(0, n, 50)])
    err = float(np.abs(got - ref).max())
    agree = int((got.argmax(1) == ref.argmax(1)).sum())
    acc = 100.0 * float((got.argmax(1) == test_y[:n].numpy()).mean())
    log(f"ONNX check (numpy float64 interpreter vs PyTorch, first {n} test records): max |logit diff| "
        f"{err:.2e}, argmax agreement {agree}/{n}, ONNX accuracy {acc:.2f}%")
    return err, agree


# ------------------------------------------------------------------------ main


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="folder with data_batch_1..5.bin and test_batch.bin")
    p.add_argument("--depth", type=int, default=20, help="6n+2: 20, 32, 44, 56, 110")
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1, help="peak learning rate")
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--nesterov", type=int, default=1, help="1: Nesterov momentum")
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--no-bn-decay", type=int, default=0, help="1: no weight decay on BN and bias parameters")
    p.add_argument("--schedule", choices=["cosine", "step"], default="cosine")
    p.add_argument("--warmup-epochs", type=float, default=1.0, help="linear warm-up (cosine and step)")
    p.add_argument("--milestones", default="", help="step schedule: epochs, e.g. 100,150")
    p.add_argument("--gamma", type=float, default=0.1, help="step schedule factor")
    p.add_argument("--label-smoothing", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--bound", type=float, default=40.0, help="B: every ReLU input should lie in [-B, B]")
    p.add_argument("--act-penalty", type=float, default=0.1,
                   help="weight of the penalty on ReLU inputs with |x| > margin*B (0: off)")
    p.add_argument("--act-margin", type=float, default=0.9, help="penalty threshold as a fraction of B")
    p.add_argument("--act-penalty-start", type=int, default=0, help="first epoch (0-based) with the penalty")
    p.add_argument("--channels-last", type=int, default=0, help="1: channels-last memory format (speed)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--checkpoint-dir", default="", help="checkpoints (last.pt) and result JSONs go here")
    p.add_argument("--keep-every", type=int, default=10, help="also keep the model weights every K epochs")
    p.add_argument("--resume", action="store_true", help="continue from checkpoint-dir/last.pt if it exists")
    p.add_argument("--log", default="", help="log file (appended)")
    p.add_argument("--pid-file", default="", help="write the process id here at start")
    p.add_argument("--log-every", type=int, default=50, help="log every K steps (0: epochs only)")
    p.add_argument("--out", default="", help="ONNX output path")
    p.add_argument("--reference-onnx", default="auto",
                   help="shared model to compare the export with ('auto': "
                        "/work/shared/models/paper-resnet<depth>-cifar10.onnx or ../shared/models, '' : none)")
    p.add_argument("--verify-n", type=int, default=200, help="test records for the ONNX numeric check")
    p.add_argument("--train-subset", type=int, default=0, help="use only the first N train records (tests)")
    p.add_argument("--test-subset", type=int, default=0, help="use only the first N test records (tests)")
    p.add_argument("--stop-after-epoch", type=int, default=0,
                   help="exit after this many epochs are done (checkpoint kept; continue with --resume)")
    p.add_argument("--benchmark-steps", type=int, default=0, help="time N training steps and exit")
    p.add_argument("--export-only", action="store_true",
                   help="load checkpoint-dir/last.pt, evaluate, record ranges and export (no training)")
    return p.parse_args(argv)


def find_reference(args):
    if args.reference_onnx != "auto":
        return args.reference_onnx or None
    here = os.path.dirname(os.path.abspath(__file__))
    for d in ("/work/shared/models", os.path.join(here, "..", "..", "shared", "models"),
              os.path.join(here, "..", "shared", "models")):
        p = os.path.join(d, f"paper-resnet{args.depth}-cifar10.onnx")
        if os.path.exists(p):
            return p
    return None


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    if args.checkpoint_dir:
        os.makedirs(args.checkpoint_dir, exist_ok=True)
    log = Logger(args.log)
    if args.pid_file:
        atomic_write_text(args.pid_file, f"{os.getpid()}\n")
    log(f"train_resnet.py pid {os.getpid()} torch {torch.__version__} OMP_WAIT_POLICY "
        f"{os.environ.get('OMP_WAIT_POLICY')} argv {' '.join(sys.argv[1:])}")

    if args.export_only:
        ck = torch.load(os.path.join(args.checkpoint_dir, "last.pt"))
        model = CifarResNet(ck["args"]["depth"])
        args.depth = ck["args"]["depth"]
        model.load_state_dict(ck["model"])
        norm = Normalizer()
        train_x, train_y = load_cifar_bin([os.path.join(args.data, f) for f in TRAIN_FILES])
        test_x, test_y = load_cifar_bin([os.path.join(args.data, TEST_FILE)])
        if args.train_subset:
            train_x, train_y = train_x[:args.train_subset], train_y[:args.train_subset]
        if args.test_subset:
            test_x, test_y = test_x[:args.test_subset], test_y[:args.test_subset]
        data = (train_x, train_y, test_x, test_y, norm, ReluRecorder(model), ck.get("history", []))
        log(f"export-only: checkpoint after epoch {ck['epoch']} of {ck['args']['epochs']}")
        ck_args = ck["args"]
    else:
        res = train(args, log)
        if res is None:
            return 0
        model, data = res
        ck_args = vars(args)

    train_x, train_y, test_x, test_y, norm, recorder, history = data
    sets = final_report(args, log, model, data)
    name = f"resnet{args.depth}-cifar10"
    if args.checkpoint_dir:
        atomic_write_text(os.path.join(args.checkpoint_dir, "relu_input_ranges.json"),
                          json.dumps(ranges_json(args, sets, name), indent=1) + "\n")
    if args.out:
        epochs_done = history[-1]["epoch"] if history else "?"
        doc = (f"CIFAR ResNet-{args.depth} (option-A shortcuts) trained by fhecnn scripts/train_resnet.py "
               f"on the CIFAR-10 binary files ({epochs_done} epochs, {ck_args['schedule']} schedule, "
               f"seed {ck_args['seed']}). Input: RGB/255 normalized with mean {list(MEAN)} and std "
               f"{list(STD)} (same as the shared paper models); no division by the FHE bound B. "
               f"Test accuracy {sets['test']['accuracy']:.2f}% on test_batch.bin; max |ReLU input| "
               f"{sets['train']['max_abs_over_all_relus']:.2f} (train set), "
               f"{sets['test']['max_abs_over_all_relus']:.2f} (test set).")
        m = export_onnx(model, args.out, args, log, doc)
        ref = find_reference(args)
        diffs, err, agree = None, None, None
        try:  # a failed check must not lose the summary of a long run
            if ref:
                diffs = compare_with_reference(m, ref, log)
            err, agree = verify_onnx(m, model, test_x, test_y, norm, args.verify_n, log)
        except Exception as e:  # noqa: BLE001
            log(f"ERROR while checking the export: {type(e).__name__}: {e}")
        summary = {
            "model": name, "onnx": os.path.abspath(args.out), "epochs": epochs_done,
            "args": ck_args, "test_accuracy": sets["test"]["accuracy"],
            "train_accuracy_no_aug": sets["train"]["accuracy"],
            "max_abs_relu_train": sets["train"]["max_abs_over_all_relus"],
            "max_abs_relu_test": sets["test"]["max_abs_over_all_relus"],
            "min_relu_train": sets["train"]["min_over_all_relus"],
            "min_relu_test": sets["test"]["min_over_all_relus"],
            "bound_B": args.bound, "onnx_reference": ref, "onnx_form_differences": diffs,
            "onnx_check_max_abs_logit_diff": err, "onnx_check_agreement": f"{agree}/{args.verify_n}",
            "total_train_hours": sum(h["epoch_seconds"] for h in history) / 3600 if history else None,
            "history": history,
        }
        if args.checkpoint_dir:
            atomic_write_text(os.path.join(args.checkpoint_dir, "final_metrics.json"),
                              json.dumps(summary, indent=1) + "\n")
    log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
