"""The reference model's training entry point for Katib trials (HPO).

Standalone on purpose: it runs in the pinned PyTorch image (torch and numpy only), mounted
from a ConfigMap. It reads the customer-feature export ``features.npz`` (arrays ``x``: the
feature matrix, ``y``: the 0/1 churn label) that the reference pipeline or a notebook writes
to the ``reference-data`` volume, and prints ``auc=<value>`` for Katib's StdOut collector.
"""

import argparse

import numpy as np
import torch


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    ranks = scores.argsort().argsort() + 1
    positives = int(labels.sum())
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return 0.0
    return float(
        (ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/data/features.npz")
    parser.add_argument("--learning-rate", type=float, default=0.01)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()
    data = np.load(args.data)
    x = torch.tensor(data["x"], dtype=torch.float32)
    y = torch.tensor(data["y"], dtype=torch.float32)
    x = (x - x.mean(0)) / x.std(0).clamp_min(1e-6)
    split = int(len(x) * 0.8)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    net = torch.nn.Sequential(
        torch.nn.Linear(x.shape[1], args.hidden), torch.nn.ReLU(), torch.nn.Linear(args.hidden, 1)
    ).to(device)
    optimiser = torch.optim.Adam(net.parameters(), lr=args.learning_rate)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    train_x, train_y = x[:split].to(device), y[:split].to(device)
    for _ in range(args.epochs):
        optimiser.zero_grad()
        loss = loss_fn(net(train_x).squeeze(1), train_y)
        loss.backward()
        optimiser.step()
    with torch.no_grad():
        scores = net(x[split:].to(device)).squeeze(1).cpu().numpy()
    print(f"loss={float(loss):.6f}")
    print(f"auc={auc(scores, y[split:].numpy()):.6f}")


if __name__ == "__main__":
    main()
