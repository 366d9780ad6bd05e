"""The store against a plain dict model, under random puts, deletes, pins and gc."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symphony.artifacts import ArtifactStore
from symphony.errors import ArtifactInUse, ArtifactNotFound

BLOBS = st.one_of(st.binary(max_size=64), st.sampled_from([b"same", b"", b"x" * 5000]))
ACTIONS = st.lists(st.tuples(st.sampled_from(["put", "put_named", "delete", "pin", "unpin", "gc"]), BLOBS),
                   min_size=1, max_size=25)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_store_matches_model(tmp_path_factory, actions):
    path = tmp_path_factory.mktemp("model")
    model: dict[str, bytes] = {}
    held: set[str] = set()
    pinned: set[str] = set()
    with ArtifactStore(path, shards=2, index=False) as store:
        for action, blob in actions:
            if action in ("put", "put_named"):
                d = store.put(blob, name="n" if action == "put_named" else None)
                model[d] = blob
                if action == "put_named":
                    held.add(d)
            elif action == "delete":
                d = store.put(blob)
                model[d] = blob
                if d in held or d in pinned:
                    with pytest.raises(ArtifactInUse):
                        store.delete(d)
                else:
                    store.delete(d)
                    del model[d]
            elif action == "pin":
                d = store.put(blob)
                model[d] = blob
                store.pin(d)
                pinned.add(d)
            elif action == "unpin":
                for d in list(pinned):
                    store.unpin(d)
                pinned.clear()
            elif action == "gc":
                removed = store.gc(grace=0.0).artifacts
                assert not set(removed) & (held | pinned)
                for d in removed:
                    del model[d]
            for d, data in model.items():
                assert store.get(d) == data
        assert sorted(store.digests()) == sorted(model)
        for d in set(store.digests()) ^ set(model):
            with pytest.raises(ArtifactNotFound):
                store.get(d)
        assert store.verify() == []
