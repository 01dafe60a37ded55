"""Proxy cost models: train from logs (or fresh samples), evaluate honestly, use as a drop-in simulator."""

from archgym_lite.proxy.active import sample_actively
from archgym_lite.proxy.candidates import CANDIDATES, ProxySettings
from archgym_lite.proxy.dataset import FeatureEncoder, ProxyDataset, dataset_from_runs, dataset_from_samples
from archgym_lite.proxy.evaluate import (
           accuracy,
           accuracy_table,
           goals_table,
           measure_speedup,
           measure_throughput,
)
from archgym_lite.proxy.model import ProxyModel, fit_proxy
from archgym_lite.proxy.persist import load_proxy, save_proxy
from archgym_lite.proxy.progress import Reporter, RichReporter
from archgym_lite.proxy.simulator import ProxySimulator, make_proxy_env, proxy_env
from archgym_lite.proxy.train import TrainResult, eval_proxy, search_on_proxy, train_proxy

__all__ = ["CANDIDATES", "FeatureEncoder", "ProxyDataset", "ProxyModel", "ProxySettings", "ProxySimulator",
           "Reporter", "RichReporter", "TrainResult", "accuracy", "accuracy_table", "dataset_from_runs",
           "dataset_from_samples", "eval_proxy", "fit_proxy", "goals_table", "load_proxy", "make_proxy_env",
           "measure_speedup", "measure_throughput", "proxy_env", "sample_actively", "save_proxy", "search_on_proxy",
           "train_proxy"]
