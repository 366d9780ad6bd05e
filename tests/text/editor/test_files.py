"""Loading and saving: encodings, BOM, newline styles, atomic replace."""

from __future__ import annotations

import codecs
import os

import pytest

from symphony.errors import FileEncodingError
from symphony.text.editor import load_file, save_file
from symphony.text.editor import _files


def test_invalid_utf8_names_the_byte(tmp_path, monkeypatch):
    monkeypatch.setattr(_files, "BLOCK", 7)  # the bad byte lands in a later block
    path = tmp_path / "bad.txt"
    path.write_bytes("héllo wörld ".encode() + b"\xff" + b" tail")
    with pytest.raises(FileEncodingError) as info:
        load_file(str(path))
    assert info.value.position == len("héllo wörld ".encode())
    assert info.value.path == str(path)


def test_character_split_across_blocks_and_crlf_across_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(_files, "BLOCK", 3)
    path = tmp_path / "split.txt"
    path.write_bytes("aé€😀\r\nb\r\nc\r\n".encode())
    rope, info = load_file(str(path))
    assert str(rope) == "aé€😀\nb\nc\n" and info.crlf and not info.bom


def test_mixed_newlines_take_the_majority_and_lone_cr_stays(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_bytes(b"a\nb\nc\r\nd\re")
    rope, info = load_file(str(path))
    assert str(rope) == "a\nb\nc\nd\re" and not info.crlf


@pytest.mark.parametrize("bom", [codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE])
def test_wide_boms_are_refused(tmp_path, bom):
    path = tmp_path / "wide.txt"
    path.write_bytes(bom + "hi".encode("utf-16-le"))
    with pytest.raises(FileEncodingError):
        load_file(str(path))


def test_save_is_atomic_and_keeps_mode(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("old")
    os.chmod(path, 0o600)
    save_file(str(path), "new\nlines\n", crlf=True, bom=True)
    assert path.read_bytes() == codecs.BOM_UTF8 + b"new\r\nlines\r\n"
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]


def test_failed_save_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "keep.txt"
    path.write_text("precious")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(_files.os, "fsync", boom)
    with pytest.raises(OSError):
        save_file(str(path), "replacement")
    assert path.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
