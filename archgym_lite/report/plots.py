"""Matplotlib (Agg) PNGs for :mod:`archgym_lite.report`: best-so-far and hypervolume curves, lottery boxes, Pareto
fronts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from archgym_lite.utils.files import atomic_path  # noqa: E402

_DPI = 120


def agent_colours(agents: Sequence[str]) -> dict[str, Any]:
    """One stable colour per agent (tab10, then tab20), shared by every plot of a report."""
    cmap = plt.get_cmap("tab10" if len(agents) <= 10 else "tab20")
    return {a: cmap(i % cmap.N) for i, a in enumerate(agents)}


def _save(fig: Any, path: Path) -> None:
    """Write the figure atomically (a killed report never leaves a truncated PNG)."""
    fig.tight_layout()
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=_DPI, format="png")
    finally:
        plt.close(fig)


def _median_band(ax: Any, curves: Mapping[str, tuple[str, np.ndarray]], colours: Mapping[str, Any]) -> None:
    """Median over trials of each agent's curves, with an IQR band, x = evaluations."""
    for agent, (label, mat) in curves.items():
        x = np.arange(1, mat.shape[1] + 1)
        counts = np.isfinite(mat).sum(axis=0)
        mat = mat[:, counts > 0]
        x = x[counts > 0]
        q25, med, q75 = np.nanpercentile(mat, [25, 50, 75], axis=0)
        ax.plot(x, med, color=colours[agent], lw=2, label=f"{label}, n={mat.shape[0]}")
        ax.fill_between(x, q25, q75, color=colours[agent], alpha=0.2, lw=0)


def plot_best_so_far(curves: Mapping[str, tuple[str, np.ndarray]], target: float, colours: Mapping[str, Any],
                     title: str, path: Path) -> None:
    """Median best-so-far reward per agent with an IQR band, x = evaluations.

    Args:
        curves: agent → (legend label, trials × evaluations matrix of best-so-far rewards, NaN-padded).
        target: Reward target drawn as a dotted line (skipped when NaN).
        colours: agent → colour.
        title: Figure title.
        path: PNG to write.
    """
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    _median_band(ax, curves, colours)
    if np.isfinite(target):
        ax.axhline(target, color="0.3", ls=":", lw=1.2, label=f"target {target:.3g}")
    ax.set_xlabel("evaluations")
    ax.set_ylabel("best-so-far reward (higher is better)")
    ax.set_title(f"{title}\nmedian over seeds of each agent's best setting, band = IQR", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    _save(fig, path)


def plot_hypervolume(curves: Mapping[str, tuple[str, np.ndarray]], colours: Mapping[str, Any], title: str,
                     path: Path) -> None:
    """Median hypervolume after each evaluation per agent (its setting with the best median final hypervolume),
    with an IQR band over seeds.

    Args:
        curves: agent → (legend label, trials × evaluations matrix of hypervolumes, NaN-padded).
        colours: agent → colour.
        title: Figure title.
        path: PNG to write.
    """
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    _median_band(ax, curves, colours)
    ax.set_xlabel("evaluations")
    ax.set_ylabel("hypervolume of the feasible front (nepers^k, higher is better)")
    ax.set_title(f"{title}\nmedian over seeds of each agent's best setting, band = IQR", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    _save(fig, path)


def plot_lottery(summary: pd.DataFrame, colours: Mapping[str, Any], title: str, path: Path,
                 target: float = float("nan")) -> None:
    """One box per agent over its settings' median best rewards; each setting is a dot, the target a line.

    The best and worst setting of each agent are labelled with their hit rate at the target; a setting whose
    trials are identical (its seed has no effect) is drawn as a hollow diamond.
    """
    agents = sorted(summary["agent"].unique())
    fig, ax = plt.subplots(figsize=(min(16.0, max(5.0, 2.2 * len(agents) + 1.5)), 4.8))
    data = [summary.loc[summary["agent"] == a, "best_reward_median"].dropna().to_numpy() for a in agents]
    ax.boxplot([d if len(d) else [np.nan] for d in data], positions=range(1, len(agents) + 1), widths=0.35,
               showfliers=False, medianprops={"color": "k"})
    same = summary.get("identical_trials", pd.Series(False, index=summary.index)).fillna(False).astype(bool)
    for i, a in enumerate(agents, start=1):  # settings as dots beside the box; the best and worst labelled
        g = summary[(summary["agent"] == a) & summary["best_reward_median"].notna()]
        for flag, marker, face in ((False, "o", colours[a]), (True, "D", "none")):
            h = g[same[g.index] == flag]
            ax.scatter(np.full(len(h), i + 0.27), h["best_reward_median"], marker=marker, s=36, zorder=3,
                       facecolor=face, edgecolor=colours[a] if flag else "k", lw=1.2 if flag else 0.5)
        if len(g):
            ends = g.loc[[g["best_reward_median"].idxmax(), g["best_reward_median"].idxmin()]].drop_duplicates()
            for (_, r), dy in zip(ends.iterrows(), (4, -4), strict=False):
                hit = r.get("hit_rate", np.nan)
                note = f"\nhit {hit:.0%}" if np.isfinite(hit) else ""
                ax.annotate(r["setting"].replace(", ", "\n") + note, (i + 0.27, r["best_reward_median"]),
                            xytext=(6, dy), textcoords="offset points", fontsize=6.5,
                            va="bottom" if dy > 0 else "top", color="0.25")
    handles = []
    if np.isfinite(target):
        handles.append(ax.axhline(target, color="tab:red", ls="--", lw=1.2, label=f"target {target:.4g}"))
    if same.any():
        handles.append(ax.scatter([], [], marker="D", facecolor="none", edgecolor="0.3",
                                  label="setting with identical trials (seed has no effect)"))
    if handles:
        ax.legend(handles=handles, fontsize=7.5, loc="lower left")
    ax.set_xticks(range(1, len(agents) + 1), [f"{a}\n({len(d)} settings)" for a, d in zip(agents, data,
                                                                                           strict=True)])
    ax.set_xlim(0.6, len(agents) + 0.95)
    ax.margins(y=0.15)  # room for the labels of the best and worst settings
    ax.set_ylabel("median best reward over seeds (higher is better)")
    ax.set_title(f"{title}\none dot per hyperparameter setting (best and worst labelled with their hit rate "
                 "at the target)", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    _save(fig, path)


def plot_pareto(designs: pd.DataFrame, front: pd.DataFrame, x: str, y: str, minimise: Sequence[bool],
                colours: Mapping[str, Any], title: str, path: Path) -> None:
    """All logged designs coloured by agent (infeasible ones as grey crosses), the front highlighted."""
    fig, ax = plt.subplots(figsize=(7.5, 5))
    feas = designs["feasible"].eq(True)
    bad = designs[~feas]
    if len(bad):
        ax.scatter(bad[f"m_{x}"], bad[f"m_{y}"], marker="x", s=12, color="0.7", lw=0.8,
                   label=f"infeasible ({len(bad)})")
    for agent, g in designs[feas].groupby("agent", sort=True):
        ax.scatter(g[f"m_{x}"], g[f"m_{y}"], s=14, alpha=0.5, color=colours[agent], lw=0, label=f"{agent} ({len(g)})")
    if len(front):
        f = front.sort_values(f"m_{x}", ascending=minimise[0])
        ax.plot(f[f"m_{x}"], f[f"m_{y}"], color="k", lw=1.2, drawstyle="steps-post", zorder=4)
        ax.scatter(f[f"m_{x}"], f[f"m_{y}"], s=60, facecolor="none", edgecolor="k", lw=1.4, zorder=5,
                   label=f"Pareto front ({len(f)})")
    for col, setter in ((f"m_{x}", ax.set_xscale), (f"m_{y}", ax.set_yscale)):
        v = designs[col].to_numpy(float)
        if len(v) and v.min() > 0 and v.max() / v.min() > 100:
            setter("log")
    ax.set_xlabel(f"{x} ({'lower' if minimise[0] else 'higher'} is better)")
    ax.set_ylabel(f"{y} ({'lower' if minimise[1] else 'higher'} is better)")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="best")
    _save(fig, path)
