#!/usr/bin/python3
"""Training throughput of Python PyTorch (Debian's python3-torch 1.13) on the model that
bench/train_throughput.cpp trains in C++: torchvision's MobileNetV2 with a 1-channel stem,
SGD with Nesterov momentum 0.9 and weight decay 4e-5 on conv and linear weights only,
cross-entropy with label smoothing 0.1, on random images. Prints images per second.
With a last argument `channels_last`, the model and the batch are converted to
torch.channels_last (as PyTorch's performance guide suggests) before training.

usage: train_throughput.py WIDTH RES CLASSES BATCH THREADS STEPS WARMUP_STEPS [channels_last]
"""
import sys
import time

import torch
import torchvision


def main():
    width, res, classes, batch, threads, steps, warmup = (float(sys.argv[1]), *map(int, sys.argv[2:8]))
    channels_last = sys.argv[8:] == ["channels_last"]
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = torchvision.models.mobilenet_v2(width_mult=width, num_classes=classes)
    stem = model.features[0][0]
    model.features[0][0] = torch.nn.Conv2d(1, stem.out_channels, 3, 2, 1, bias=False)
    decayed = [p for p in model.parameters() if p.dim() >= 2]
    not_decayed = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.SGD([{"params": decayed, "weight_decay": 4e-5}, {"params": not_decayed, "weight_decay": 0}],
                          lr=0.01, momentum=0.9, nesterov=True)
    images = torch.randn(batch, 1, res, res)
    labels = torch.randint(0, classes, (batch,))
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        images = images.contiguous(memory_format=torch.channels_last)
    model.train()
    for i in range(warmup + steps):
        if i == warmup:
            start = time.perf_counter()
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(images), labels, label_smoothing=0.1)
        loss.backward()
        opt.step()
        loss.item()
    print(f"{batch * steps / (time.perf_counter() - start):.1f}")


if __name__ == "__main__":
    main()
