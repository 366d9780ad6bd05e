"""Full-text search: BM25 ranking, phrases, fields, hostile queries, crash consistency and
concurrency, on both engines (tantivy and the SQLite FTS5 fallback)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symphony.artifacts import ArtifactStore
from symphony.artifacts import _index
from symphony.errors import InvalidQuery, SymphonyError

from .conftest import child_env, kill_9_after

ENGINES = [pytest.param("tantivy", marks=pytest.mark.skipif(_index._search_tantivy is None,
                                                              reason="tantivy is not installed")),
           "fts5"]


@pytest.fixture(params=ENGINES)
def engine(request, monkeypatch):
    monkeypatch.setenv(_index.ENV, request.param)
    return request.param


@pytest.fixture
def store(engine, tmp_path):
    s = ArtifactStore(tmp_path / "store", shards=2)
    yield s
    s.close()


def found(store, query, limit=10):
    return [h.digest for h in store.search(query, limit)]


# -- choosing the engine --------------------------------------------------------------------------


def test_engine_is_chosen_in_one_place(monkeypatch, tmp_path):
    monkeypatch.delenv(_index.ENV, raising=False)
    assert _index.engine() == ("tantivy" if _index._search_tantivy is not None else "fts5")
    monkeypatch.setenv(_index.ENV, "fts5")
    assert _index.engine() == "fts5"
    monkeypatch.setenv(_index.ENV, "elastic")
    with pytest.raises(ValueError, match="SYMPHONY_SEARCH"):
        _index.engine()


def test_without_tantivy_the_fallback_is_fts5(tmp_path):
    code = textwrap.dedent("""
        import sys
        sys.modules["tantivy"] = None  # as if the package were not installed
        from symphony.artifacts import ArtifactStore, _index
        assert _index.engine() == "fts5", _index.engine()
        with ArtifactStore(sys.argv[1]) as store:
            d = store.put(b"fallback words", metadata={"kind": "x"})
            assert [h.digest for h in store.search('"fallback words" kind:x')] == [d]
    """)
    env = child_env()
    env.pop(_index.ENV, None)
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "s")], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert os.path.exists(tmp_path / "s" / "index.sqlite")


def test_store_uses_the_chosen_engine_and_drops_the_other_index(engine, tmp_path):
    with ArtifactStore(tmp_path / "s") as store:
        store.put(b"hello")
        assert found(store, "hello")
    files = set(os.listdir(tmp_path / "s"))
    assert ("index.tantivy" in files) == (engine == "tantivy")
    assert ("index.sqlite" in files) == (engine == "fts5")


# -- what a search finds --------------------------------------------------------------------------


def test_bm25_ranks_denser_matches_first(store):
    dense = store.put(b"orchid orchid orchid garden", name="dense")
    sparse = store.put(b"an orchid among " + b" ".join(b"word%d" % i for i in range(60)), name="sparse")
    store.put(b"nothing relevant here", name="other")
    hits = store.search("orchid")
    assert [h.digest for h in hits] == [dense, sparse]
    assert hits[0].score > hits[1].score > 0
    assert hits[0].name == "dense"
    assert "[orchid]" in hits[0].snippet


def test_every_word_must_match(store):
    a = store.put(b"The quick brown fox jumps over the lazy dog")
    b = store.put(b"A brown dog sleeps")
    assert set(found(store, "brown dog")) == {a, b}
    assert found(store, "quick dog") == [a]
    assert found(store, "quick zebra") == []
    assert found(store, "QUICK Brown") == [a]  # case is ignored


def test_phrase_queries_need_the_words_adjacent_and_in_order(store):
    a = store.put(b"the quick brown fox")
    b = store.put(b"brown and quick, the fox")
    assert set(found(store, "quick brown")) == {a, b}
    assert found(store, '"quick brown"') == [a]
    assert found(store, '"brown quick"') == []
    assert found(store, '"quick brown" fox') == [a]
    assert set(found(store, "fox")) == {a, b}
    assert found(store, "quick-brown") == [a]  # a bare term of several words is a phrase


def test_field_queries(store):
    model = store.put(b"weights", name="models/resnet", metadata={"kind": "model", "train": {"epochs": 5},
                                                                  "tags": ["vision", "big model"]})
    data = store.put(b"rows of the model zoo", name="data/zoo", metadata={"kind": "dataset", "about": "model"})
    assert set(found(store, "model")) == {model, data}
    assert found(store, "kind:model") == [model]  # a metadata key: only that key's values
    assert found(store, "kind:dataset") == [data]
    assert found(store, "about:model") == [data]
    assert found(store, "train.epochs:5") == [model]  # nested keys are dotted
    assert found(store, "tags:vision") == [model]  # list items share their key
    assert found(store, 'tags:"big model"') == [model]
    assert found(store, 'tags:"model big"') == []
    assert found(store, "name:resnet") == [model]
    assert found(store, "name:models/resnet") == [model]
    assert found(store, "name:zoo") == [data]
    assert found(store, "content:zoo") == [data]
    assert found(store, "content:resnet") == []
    assert found(store, "meta:dataset") == [data]
    assert found(store, "meta:vision kind:model") == [model]
    assert found(store, "colour:red") == []  # a key no artifact has matches nothing
    assert found(store, "kind:model content:zoo") == []


def test_accents_are_folded(store):
    a = store.put("Crème brûlée à la française".encode())
    assert found(store, "creme brulee") == [a]
    assert found(store, "CRÈME") == [a]


def test_one_hit_per_artifact_and_limit(store):
    shared = store.put(b"shared words here", name="first")
    store.put(b"shared words here", name="second")
    assert found(store, "shared") == [shared]
    for i in range(5):
        store.put(b"common %d" % i)
    assert len(found(store, "common", limit=3)) == 3
    assert found(store, "common", limit=0) == []


def test_deleted_artifacts_are_not_found(store):
    gone = store.put(b"ephemeral text")
    kept = store.put(b"ephemeral but kept", name="kept")
    assert set(found(store, "ephemeral")) == {gone, kept}
    store.delete(gone)
    assert found(store, "ephemeral") == [kept]


# -- hostile queries ------------------------------------------------------------------------------

HOSTILE = [
    '"unbalanced', 'a "b c', 'name:"x', '"', '"""',
    float("nan"), None, 42, b"bytes", ["list"],
    "\ud800", "ok \udfff ok", "x" * (1 << 20), "word " * 5000,
]
EMPTY = [
    "", "   ", "--", '""', "name:", "name:--", ":::", "nosuchfield:value", "NaN", "nan:nan", "\x00", "*", "(",
    "a AND OR NOT b", "NEAR(a b)", "a^2", "[a TO b]", "title:>5", "a* OR b", "-a", "+a", "\\", "'; DROP TABLE x; --",
    "fields.kind:x", "key:x", "digest:x", "_:x", "a.b.c.d:e", "a.:x", "a..b:x", "é.ü:x", "name.first:x",
    "\u202e\u0301", "🎻", "a" * 9000,
]


@pytest.mark.parametrize("query", HOSTILE, ids=lambda q: repr(q)[:30])
def test_hostile_query_is_a_typed_error_and_the_store_keeps_serving(store, query):
    before = store.put(b"still here")
    with pytest.raises(InvalidQuery):
        store.search(query)
    after = store.put(b"still serving")
    assert found(store, "still") and found(store, "serving") == [after] and found(store, "here") == [before]


@pytest.mark.parametrize("query", EMPTY, ids=lambda q: repr(q)[:30])
def test_odd_but_valid_queries_find_nothing(store, query):
    store.put(b"plain text", name="plain", metadata={"kind": "text"})
    assert store.search(query) == []
    assert found(store, "plain")


@pytest.mark.parametrize("limit", [-1, 10**18, float("nan"), 2.5, True, "3", None])
def test_bad_limit_is_a_typed_error(store, limit):
    store.put(b"limited")
    with pytest.raises(InvalidQuery):
        store.search("limited", limit)
    assert found(store, "limited")


def test_unbalanced_quote_says_where(store):
    with pytest.raises(InvalidQuery) as info:
        store.search('good "bad')
    assert info.value.position == 5
    assert isinstance(info.value, SymphonyError) and isinstance(info.value, ValueError)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(alphabet=st.characters(codec=None), max_size=40)
       | st.lists(st.sampled_from(['"', ":", "name:", "kind:", "a", "b", "-", "*", "(", ")", " ", "\\", "NEAR", "OR"]),
                  max_size=12).map("".join))
def test_any_text_is_hits_or_a_typed_error(store, query):
    try:
        hits = store.search(query)
    except InvalidQuery:
        return
    assert isinstance(hits, list)


# -- durability and crash consistency -------------------------------------------------------------


def test_reopen_finds_what_was_put(engine, tmp_path):
    with ArtifactStore(tmp_path / "s") as store:
        a = store.put(b"persistent words", name="p", metadata={"kind": "note"})
    with ArtifactStore(tmp_path / "s") as store:
        assert found(store, "persistent") == [a]
        assert found(store, "kind:note") == [a]
        b = store.put(b"more persistent words")
    with ArtifactStore(tmp_path / "s") as store:
        assert set(found(store, "persistent")) == {a, b}


def test_lost_index_is_rebuilt_on_open(engine, tmp_path):
    with ArtifactStore(tmp_path / "s") as store:
        d = store.put(b"remember the alamo", name="history", metadata={"era": "1836"})
        store.put(b"another text")
    for entry in os.listdir(tmp_path / "s"):
        if entry.startswith("index."):
            path = tmp_path / "s" / entry
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    with ArtifactStore(tmp_path / "s") as store:
        assert found(store, "alamo") == [d]
        assert [h.name for h in store.search("history")] == ["history"]
        assert found(store, "era:1836") == [d]


def test_damaged_index_is_rebuilt_on_open(engine, tmp_path):
    with ArtifactStore(tmp_path / "s") as store:
        d = store.put(b"survives damage")
    for root, _dirs, files in os.walk(tmp_path / "s"):
        for name in files:
            if ("index." in root or name.startswith("index.")) and name != "symphony-version":
                with open(os.path.join(root, name), "wb") as fh:
                    fh.write(b"\xff garbage \x00" * 100)
    with ArtifactStore(tmp_path / "s") as store:
        assert found(store, "damage") == [d]


def test_switching_engines_never_returns_stale_hits(monkeypatch, tmp_path):
    if _index._search_tantivy is None:
        pytest.skip("tantivy is not installed")
    monkeypatch.setenv(_index.ENV, "tantivy")
    with ArtifactStore(tmp_path / "s") as store:
        a = store.put(b"switch text one")
        b = store.put(b"switch text two")
        assert set(found(store, "switch")) == {a, b}
    monkeypatch.setenv(_index.ENV, "fts5")
    with ArtifactStore(tmp_path / "s") as store:
        assert set(found(store, "switch")) == {a, b}
        store.delete(b)
    monkeypatch.setenv(_index.ENV, "tantivy")
    with ArtifactStore(tmp_path / "s") as store:
        assert found(store, "switch") == [a]


WRITER = textwrap.dedent("""
    import sys, threading
    from symphony.artifacts import ArtifactStore

    store = ArtifactStore(sys.argv[1], shards=2)
    doomed = store.put(b"doomed artifact text")
    assert store.search("doomed")  # committed to the index...
    store.delete(doomed)           # ...then deleted: the index learns it lazily
    print("deleted", doomed, flush=True)
    lock = threading.Lock()

    def writer(seed):
        i = 0
        while True:
            word = f"w{seed}x{i}"
            digest = store.put(f"text {word} and more".encode(), metadata={"word": word})
            with lock:
                print(digest, word, flush=True)
            i += 1

    for seed in range(3):
        threading.Thread(target=writer, args=(seed,), daemon=True).start()
    threading.Event().wait()
""")


def test_kill_9_mid_puts_loses_nothing_from_search(engine, tmp_path):
    path = tmp_path / "store"
    lines = kill_9_after(WRITER, path, 60)
    assert lines[0][0] == "deleted"
    doomed = lines[0][1]
    acknowledged = [line for line in lines[1:] if len(line) == 2]
    with ArtifactStore(path) as store:
        assert found(store, "doomed") == []
        for digest, word in acknowledged:
            assert found(store, word) == [digest]
            assert found(store, f"word:{word}") == [digest]
        assert not store.has(doomed)


PLAIN_WRITERS = textwrap.dedent("""
    import sys, threading
    from symphony.artifacts import ArtifactStore

    store = ArtifactStore(sys.argv[1])  # as a user opens it: 1 shard, index on
    lock = threading.Lock()

    def writer(seed):
        i = 0
        while True:
            word = f"p{seed}y{i}"
            digest = store.put(f"plain {word} ".encode() * 200)  # ~4 KB, no name or metadata: the short path
            with lock:
                print(digest, word, flush=True)
            i += 1

    for seed in range(8):
        threading.Thread(target=writer, args=(seed,), daemon=True).start()
    threading.Event().wait()
""")


def test_kill_9_mid_cohort_rounds_keeps_store_and_index_consistent(engine, tmp_path):
    """Eight writers of plain puts share rounds (one commit and one sync each); killed mid-run,
    every acknowledged put is stored and found, and the index holds exactly the stored artifacts."""
    path = tmp_path / "store"
    acknowledged = [line for line in kill_9_after(PLAIN_WRITERS, path, 80) if len(line) == 2]
    assert len(acknowledged) >= 80
    with ArtifactStore(path) as store:
        for digest, word in acknowledged:
            assert store.has(digest)
            assert found(store, word) == [digest]
        assert store._index_ref.ask("digests") == set(store.digests())  # noqa: SLF001 - the index's own view
        assert store.verify() == []


# -- concurrency ----------------------------------------------------------------------------------


def test_searches_during_concurrent_puts(store):
    stop = threading.Event()
    errors: list[BaseException] = []
    put: set[str] = set()
    lock = threading.Lock()

    def writer(seed: int) -> None:
        try:
            for i in range(40):
                word = f"t{seed}n{i}"
                digest = store.put(f"concurrent {word}".encode(), metadata={"writer": str(seed)})
                with lock:
                    put.add(digest)
                assert found(store, word) == [digest]  # a put that returned is found
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    def searcher() -> None:
        try:
            while not stop.is_set():
                hits = found(store, "concurrent", limit=1000)
                assert len(hits) == len(set(hits))
                assert all(store.has(h) for h in hits)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    writers = [threading.Thread(target=writer, args=(s,)) for s in range(4)]
    readers = [threading.Thread(target=searcher) for _ in range(2)]
    for t in writers + readers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    assert errors == []
    assert set(found(store, "concurrent", limit=1000)) == put
    assert len(found(store, "writer:2", limit=1000)) == 40


# -- tantivy only: its writer lock is per index, across processes -----------------------------------

OTHER = textwrap.dedent("""
    import sys
    from symphony.artifacts import ArtifactStore

    with ArtifactStore(sys.argv[1], shards=2) as store:
        mine = store.put(b"written by the second process")
        hits = {h.digest for h in store.search("process")}
        print(mine, *sorted(hits), flush=True)
""")


def test_two_processes_share_a_tantivy_index(monkeypatch, tmp_path):
    if _index._search_tantivy is None:
        pytest.skip("tantivy is not installed")
    monkeypatch.setenv(_index.ENV, "tantivy")
    env = child_env()
    with ArtifactStore(tmp_path / "s", shards=2) as store:
        first = store.put(b"written by the first process")
        assert found(store, "first") == [first]
        pending = store.put(b"uncommitted in the first process")  # holds the writer until its tick
        out = subprocess.run([sys.executable, "-c", OTHER, str(tmp_path / "s")], env=env, capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        mine, *hits = out.stdout.split()
        assert set(hits) == {first, pending, mine}  # the second process re-added what the first had not committed
        assert set(found(store, "process")) == {first, pending, mine}  # and the other's commit is visible here


def test_writer_lock_held_elsewhere_is_a_typed_error_then_recovers(monkeypatch, tmp_path):
    if _index._search_tantivy is None:
        pytest.skip("tantivy is not installed")
    import tantivy

    from symphony.errors import SearchUnavailable

    monkeypatch.setenv(_index.ENV, "tantivy")
    monkeypatch.setattr(_index._search_tantivy, "LOCK_WAIT", 0.2)
    with ArtifactStore(tmp_path / "s") as store:
        first = store.put(b"before the lock")
        assert found(store, "lock") == [first]
        store._index_ref.ask("tick")  # commit and release the writer, as the timer does
        path = str(tmp_path / "s" / "index.tantivy")
        other = tantivy.Index(_index._search_tantivy._schema(), path=path).writer(15_000_000, 1)  # as another process
        try:
            second = store.put(b"while the lock is held")
            with pytest.raises(SearchUnavailable):
                store.search("lock")
            assert store.get(second) == b"while the lock is held"  # the store keeps serving
        finally:
            other.rollback()
            other.wait_merging_threads()
            del other
        assert set(found(store, "lock")) == {first, second}
