"""Registry: ids, did-you-mean, duplicates, gymnasium mirroring, entry-point plugins (good and broken)."""

import sys
import textwrap
from importlib.metadata import EntryPoint

import gymnasium
import pytest

import archgym_lite
from archgym_lite import RegistryError
from archgym_lite.core import registry


def test_unknown_env_suggests_close_matches():
    with pytest.raises(RegistryError) as exc:
        archgym_lite.make("archgym/Synthetc-v0")
    msg = str(exc.value)
    assert "unknown env id 'archgym/Synthetc-v0'" in msg
    assert "Did you mean 'archgym/Synthetic-v0'?" in msg
    assert "archgym/DRAM-v0" in msg  # the registered list


def test_unknown_agent_suggests_close_matches():
    with pytest.raises(RegistryError, match="Did you mean 'random'"):
        archgym_lite.agent_class("randm")


def test_bad_ids_and_duplicates():
    with pytest.raises(RegistryError, match="must look like 'namespace/Name-v0'"):
        archgym_lite.register("NoNamespace", "simulators.synthetic:make_env")
    with pytest.raises(RegistryError, match="already registered"):
        archgym_lite.register("archgym/Synthetic-v0", "simulators.synthetic:make_env")


def test_register_mirrors_into_gymnasium():
    archgym_lite.register("testns/Mirror-v0", "simulators.synthetic:make_env", description="test")
    try:
        env = gymnasium.make("testns/Mirror-v0", max_steps=2)
        assert env.unwrapped.env_id == "testns/Mirror-v0"
        assert env.unwrapped.max_steps == 2
    finally:
        registry._ENVS.pop("testns/Mirror-v0")
        del gymnasium.registry["testns/Mirror-v0"]


def test_entry_point_plugins_load_lazily_and_broken_ones_only_warn(tmp_path, monkeypatch):
    (tmp_path / "fake_plugin.py").write_text(textwrap.dedent("""
        import archgym_lite
        def register_envs():
            archgym_lite.register("plugin/Fake-v0", "simulators.synthetic:make_env", description="from a plugin")
        def broken():
            raise ImportError("missing dependency foo")
    """))
    monkeypatch.syspath_prepend(str(tmp_path))
    eps = [EntryPoint("good", "fake_plugin:register_envs", registry.ENV_GROUP),
           EntryPoint("bad", "fake_plugin:broken", registry.ENV_GROUP),
           EntryPoint("gone", "no_such_module_xyz:register", registry.ENV_GROUP)]
    monkeypatch.setattr(registry, "entry_points", lambda group: [e for e in eps if e.group == group])
    monkeypatch.setitem(registry._plugins_loaded, registry.ENV_GROUP, False)
    try:
        with pytest.warns(RuntimeWarning) as record:
            ids = archgym_lite.env_ids()
        messages = " ".join(str(w.message) for w in record)
        assert "'bad'" in messages and "missing dependency foo" in messages
        assert "'gone'" in messages
        assert "plugin/Fake-v0" in ids and "archgym/Synthetic-v0" in ids
        assert archgym_lite.make("plugin/Fake-v0").env_id == "plugin/Fake-v0"
    finally:
        registry._ENVS.pop("plugin/Fake-v0", None)
        gymnasium.registry.pop("plugin/Fake-v0", None)
        sys.modules.pop("fake_plugin", None)


def test_agent_class_plugin_registered_under_entry_point_name(monkeypatch):
    eps = [EntryPoint("my-walker", "agents.random_search:RandomWalk", registry.AGENT_GROUP)]
    monkeypatch.setattr(registry, "entry_points", lambda group: [e for e in eps if e.group == group])
    monkeypatch.setitem(registry._plugins_loaded, registry.AGENT_GROUP, False)
    try:
        assert "my-walker" in archgym_lite.agent_names()
        assert archgym_lite.agent_class("my-walker").__name__ == "RandomWalk"
    finally:
        registry._AGENTS.pop("my-walker", None)
