"""Names and versions, tags, lineage, quality ratings, search and gc."""

from __future__ import annotations

import pytest

from symphony.artifacts import ArtifactStore
from symphony.errors import ArtifactInUse, ArtifactNotFound, InvalidQuery


def test_versions_oldest_first_and_latest(store):
    a = store.put(b"v1", name="model/weights")
    b = store.put(b"v2", name="model/weights")
    assert store.put(b"v2", name="model/weights") == b  # same latest content: no new version
    c = store.put(b"v1", name="model/weights")  # going back is a new version
    versions = store.versions("model/weights")
    assert [v.digest for v in versions] == [a, b, c]
    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[0].created <= versions[-1].created
    assert store.latest("model/weights") == c
    assert store.versions("nothing") == []
    with pytest.raises(ArtifactNotFound):
        store.latest("nothing")
    store.put(b"other", name="model/config")
    store.put(b"x", name="data")
    assert store.names("model/") == ["model/config", "model/weights"]
    with pytest.raises(ValueError):
        store.put(b"x", name="bad\0name")


def test_tags(store):
    a = store.put(b"a")
    b = store.put(b"b")
    store.tag("release", a)
    assert store.tagged("release") == a
    store.tag("release", b)
    assert store.tagged("release") == b
    with pytest.raises(ArtifactInUse):
        store.delete(b)
    store.tag("release", None)
    with pytest.raises(ArtifactNotFound):
        store.tagged("release")
    with pytest.raises(ArtifactNotFound):
        store.tag("x", "0" * 32)


def test_lineage(store):
    raw = store.put(b"raw data")
    clean = store.put(b"clean data", parents=[raw])
    feats = store.put(b"features", parents=[clean])
    model = store.put(b"model", parents=[feats, raw])
    assert store.lineage(model) == {model: [feats, raw], feats: [clean], raw: [], clean: [raw]}
    assert store.stat(model).parents == [feats, raw]
    with pytest.raises(ArtifactNotFound):
        store.put(b"orphan", parents=["0" * 32])


def test_quality_ratings_and_top(store):
    a = store.put(b"answer a", name="answers/a")
    b = store.put(b"answer b", name="answers/b")
    c = store.put(b"answer c", name="answers/c")
    store.put(b"elsewhere", name="other/x")
    store.rate(a, 0.5, source="judge")
    store.rate(a, 0.9, source="user")
    store.rate(b, 0.95, source="judge")
    store.rate(b, 0.1, source="judge")  # replaces the judge's earlier score
    st = store.stat(a)
    assert st.quality == pytest.approx(0.7) and st.ratings == {"judge": 0.5, "user": 0.9}
    top = store.top("answers/", 5)
    assert [r.digest for r in top] == [a, b]
    assert top[0].score == pytest.approx(0.7) and top[0].ratings == 2 and top[0].name == "answers/a"
    assert store.top("answers/", 1)[0].digest == a
    assert c not in [r.digest for r in top]
    with pytest.raises(ValueError):
        store.rate(a, float("nan"))
    with pytest.raises(ArtifactNotFound):
        store.rate("0" * 32, 1.0)


def test_search_names_metadata_and_text(store):
    a = store.put(b"The quick brown fox jumps over the lazy dog", name="docs/fox")
    b = store.put(b"\x00\x01binary", name="blobs/bin", metadata={"description": "compiled kernel for fox"})
    c = store.put(b"Nothing to see here", name="docs/empty")
    assert [h.digest for h in store.search("lazy dog")] == [a]
    assert {h.digest for h in store.search("fox")} == {a, b}
    assert [h.digest for h in store.search("kernel")] == [b]
    assert [h.digest for h in store.search("empty")] == [c]
    assert store.search("zebra") == []
    assert store.search("") == []
    assert store.search('"; DROP TABLE docs; --"') == []
    with pytest.raises(InvalidQuery):  # unbalanced quote
        store.search('"; DROP TABLE docs; --')
    assert len(store.search("fox", limit=1)) == 1


def test_batched_index_documents_are_committed_by_close_and_by_batch(tmp_path):
    # Puts queue their documents for the index feed: a search sees them at once, a batch
    # larger than the feed's is handed over without waiting, and close commits the rest.
    from symphony.artifacts._feed import BATCH

    with ArtifactStore(tmp_path / "s", shards=2) as store:
        words = [f"word{i}x" for i in range(BATCH + 10)]
        digests = [store.put(w.encode()) for w in words]
        assert [h.digest for h in store.search(words[-1])] == [digests[-1]]
        last = store.put(b"closing words", name="the-end")
    with ArtifactStore(tmp_path / "s") as store:
        store._reconciled = True  # no re-adding from the shards: what close committed is all there is
        assert [h.digest for h in store.search("closing")] == [last]
        assert [h.digest for h in store.search(words[3])] == [digests[3]]


def test_gc_removes_only_what_nothing_references(store):
    named = store.put(b"named", name="keep")
    parent = store.put(b"parent of named")
    child = store.put(b"named child", name="child", parents=[parent])
    pinned = store.put(b"pinned")
    store.pin(pinned, "checkpoint")
    tagged = store.put(b"tagged")
    store.tag("t", tagged)
    loose = store.put(b"loose")
    young = store.put(b"young")
    report = store.gc(grace=0.0)
    assert report.artifacts == [loose, young] or sorted(report.artifacts) == sorted([loose, young])
    for d in (named, parent, child, pinned, tagged):
        assert store.has(d)
    assert not store.has(loose)
    # grace keeps recent artifacts
    fresh = store.put(b"fresh")
    assert store.gc(grace=3600.0).artifacts == []
    assert store.has(fresh)


def test_gc_reclaims_chunks_left_by_a_crash(store):
    from symphony.artifacts._commit import Op

    # Simulate a put that wrote its chunks and crashed before the manifest.
    cd = bytes(range(16))
    shard = store._shard(cd)
    shard.run(Op("chunks", [(cd, b"orphan chunk")], 0.0))
    report = store.gc(grace=0.0)
    assert report.chunks == 1 and report.bytes_freed >= len(b"orphan chunk")
