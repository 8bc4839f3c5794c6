"""Form bodies: urlencoded and multipart parsing, limits, malformed input and fuzzing."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hipflask import formparser
from hipflask.datastructures import FileStorage
from hipflask.exceptions import BadRequest, HTTPException, RequestEntityTooLarge
from hipflask.formparser import FormLimits, parse_form_data

URLENCODED = "application/x-www-form-urlencoded"
BOUNDARY = "----hipflaskBoundary7MA4YWxkTrZu0gW"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
DEFAULTS = FormLimits()


class ChunkStream:
    """A body stream fed lazily from an iterator, so a test body never sits whole in memory."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._buffer = b""
        self.bytes_read = 0
        self.reads = 0

    def read(self, size: int) -> bytes:
        self.reads += 1
        if not self._buffer:
            self._buffer = next(self._chunks, b"")
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        self.bytes_read += len(data)
        return data


class UnreadableStream:
    """A stream that fails the test if anything reads it."""

    def read(self, size: int) -> bytes:
        raise AssertionError("the body must not be read")


def parse(
    body: bytes,
    content_type: str | None = MULTIPART,
    limits: FormLimits = DEFAULTS,
    content_length: int | bool | None = True,
) -> tuple[Any, Any]:
    length = len(body) if content_length is True else content_length
    return parse_form_data(io.BytesIO(body), content_type, length or None, limits)  # type: ignore[arg-type]


def part(
    name: str | None = None,
    data: bytes = b"",
    filename: str | None = None,
    content_type: str | None = None,
    extra: Iterable[str] = (),
) -> bytes:
    """Build one multipart part (its headers and data, without boundaries)."""
    headers = []
    if name is not None:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        headers.append(f"Content-Disposition: {disposition}")
    if content_type is not None:
        headers.append(f"Content-Type: {content_type}")
    headers.extend(extra)
    return "".join(f"{line}\r\n" for line in headers).encode() + b"\r\n" + data


def multipart(*parts: bytes, boundary: str = BOUNDARY) -> bytes:
    delimiter = b"--" + boundary.encode()
    body = b"".join(delimiter + b"\r\n" + item + b"\r\n" for item in parts)
    return body + delimiter + b"--\r\n"


def items(multidict: Any) -> list[tuple[str, Any]]:
    """Return every pair, grouped by key in first-seen order as a MultiDict keeps them."""
    return list(multidict.items(multi=True))


def grouped(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for key, value in pairs:
        result.setdefault(key, []).append(value)
    return result


# --- content types ------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", [None, "", "application/json", "text/plain", "multipart"])
def test_unsupported_content_type_is_not_read(content_type: str | None) -> None:
    form, files = parse_form_data(UnreadableStream(), content_type, 10, DEFAULTS)  # type: ignore[arg-type]
    assert items(form) == []
    assert items(files) == []


def test_content_type_is_case_insensitive() -> None:
    form, _ = parse(b"a=1", "Application/X-WWW-Form-Urlencoded; charset=utf-8")
    assert items(form) == [("a", "1")]
    form, _ = parse(multipart(part("a", b"1")), f'Multipart/Form-Data; boundary="{BOUNDARY}"')
    assert items(form) == [("a", "1")]


# --- urlencoded ---------------------------------------------------------------------------------


def test_urlencoded_repeated_and_blank_fields() -> None:
    form, files = parse(b"a=1&a=2&b=", URLENCODED)
    assert form.getlist("a") == ["1", "2"]
    assert form["b"] == ""
    assert items(form) == [("a", "1"), ("a", "2"), ("b", "")]
    assert items(files) == []


def test_urlencoded_decoding() -> None:
    form, _ = parse(b"na+me=a+b%20c%26d%3D&%C3%A9=%E2%9C%93&flag&&&=v", URLENCODED)
    assert items(form) == [("na me", "a b c&d="), ("é", "✓"), ("flag", ""), ("", "v")]


def test_urlencoded_bad_bytes_are_best_effort() -> None:
    form, _ = parse(b"a=%ff%fe&b=%zz%4&c=\xff\xfe&%c0%af=1&d=%", URLENCODED)
    assert items(form) == [
        ("a", "\ufffd\ufffd"),
        ("b", "%zz%4"),
        ("c", "\ufffd\ufffd"),
        ("\ufffd\ufffd", "1"),
        ("d", "%"),
    ]


def test_urlencoded_empty_body() -> None:
    form, files = parse(b"", URLENCODED, content_length=None)
    assert items(form) == []
    assert items(files) == []


def test_urlencoded_in_one_byte_chunks_matches_whole() -> None:
    body = b"first=%C3%A9t%C3%A9+x&second=a%2Bb&third=&first=2"
    whole, _ = parse(body, URLENCODED)
    tiny, _ = parse(body, URLENCODED, FormLimits(chunk_size=1))
    assert items(tiny) == items(whole)
    assert whole.to_dict(flat=False) == {"first": ["été x", "2"], "second": ["a+b"], "third": [""]}


def test_urlencoded_field_limit() -> None:
    limits = FormLimits(max_form_parts=3)
    form, _ = parse(b"a=1&b=2&c=3", URLENCODED, limits)
    assert len(items(form)) == 3
    with pytest.raises(RequestEntityTooLarge):
        parse(b"a=1&b=2&c=3&d=4", URLENCODED, limits)


def test_urlencoded_100000_fields_is_413() -> None:
    # SECURITY.md #8: the body fits the memory limit, the field count does not.
    body = b"&".join(b"f=1" for _ in range(100_000))
    assert len(body) < DEFAULTS.max_form_memory_size  # type: ignore[operator]
    with pytest.raises(RequestEntityTooLarge) as info:
        parse(body, URLENCODED)
    assert info.value.code == 413
    assert "fields" in info.value.description


def test_urlencoded_memory_limit_refuses_before_reading() -> None:
    limits = FormLimits(max_form_memory_size=10)
    with pytest.raises(RequestEntityTooLarge):
        parse_form_data(UnreadableStream(), URLENCODED, 11, limits)  # type: ignore[arg-type]
    form, _ = parse(b"a=12345678", URLENCODED, limits)
    assert form["a"] == "12345678"


def test_urlencoded_memory_limit_without_content_length() -> None:
    stream = ChunkStream(b"a=" + b"x" * 1_000 for _ in range(100_000))
    with pytest.raises(RequestEntityTooLarge):
        parse_form_data(stream, URLENCODED, None, DEFAULTS)  # type: ignore[arg-type]
    assert stream.bytes_read <= DEFAULTS.max_form_memory_size + DEFAULTS.chunk_size  # type: ignore[operator]


def test_urlencoded_limits_can_be_lifted() -> None:
    limits = FormLimits(max_form_parts=None, max_form_memory_size=None)
    form, _ = parse(b"&".join(b"f=1" for _ in range(2_000)), URLENCODED, limits)
    assert len(form.getlist("f")) == 2_000


# --- multipart: fields and files ----------------------------------------------------------------


def test_multipart_fields_and_files() -> None:
    body = multipart(
        part("title", b"Hello"),
        part("tag", b"a"),
        part("tag", b"b"),
        part("upload", b"file\r\ncontent", filename="notes.txt", content_type="text/plain"),
    )
    form, files = parse(body)
    assert items(form) == [("title", "Hello"), ("tag", "a"), ("tag", "b")]
    upload = files["upload"]
    assert isinstance(upload, FileStorage)
    assert upload.filename == "notes.txt"
    assert upload.name == "upload"
    assert upload.content_type == "text/plain"
    assert upload.headers["Content-Type"] == "text/plain"
    assert upload.headers["content-disposition"].startswith("form-data")
    assert upload.read() == b"file\r\ncontent"


def test_multipart_same_result_in_tiny_chunks() -> None:
    body = multipart(
        part("a", b"x" * 300),
        part("f", b"\r\n-" * 200 + b"\r\n--" + BOUNDARY.encode()[:-1], filename="f.bin"),
        part("b", "é".encode()),
    )
    for chunk_size in (1, 2, 3, 7, 64):
        form, files = parse(body, limits=FormLimits(chunk_size=chunk_size))
        assert items(form) == [("a", "x" * 300), ("b", "é")]
        assert files["f"].read() == b"\r\n-" * 200 + b"\r\n--" + BOUNDARY.encode()[:-1]


def test_multipart_empty_file_input_yields_falsy_filestorage() -> None:
    body = multipart(part("upload", b"", filename="", content_type="application/octet-stream"))
    form, files = parse(body)
    assert items(form) == []
    upload = files["upload"]
    assert isinstance(upload, FileStorage)
    assert upload.filename == ""
    assert not upload
    assert upload.read() == b""


def test_multipart_file_without_content_type() -> None:
    _, files = parse(multipart(part("f", b"data", filename="a.bin")))
    assert files["f"].content_type is None
    assert files["f"].read() == b"data"


def test_multipart_filename_kept_as_sent() -> None:
    body = multipart(
        part("a", b"1", filename="../../etc/passwd"),
        part("b", b"2", filename="C:\\Users\\me\\file.txt"),
        part("c", b"3", filename="résumé.pdf"),
    )
    _, files = parse(body)
    assert files["a"].filename == "../../etc/passwd"
    assert files["b"].filename == "C:\\Users\\me\\file.txt"
    assert files["c"].filename == "résumé.pdf"
    _, files = parse(multipart(part("d", b"4", filename="X.txt").replace(b"X", b"\xff")))
    assert files["d"].filename == "\ufffd.txt"


def test_multipart_plain_filename_beats_filename_star() -> None:
    # SECURITY.md #13
    body = multipart(
        b'Content-Disposition: form-data; name="f"; filename="a.txt"; '
        b"filename*=utf-8''evil.php\r\n\r\ncontent"
    )
    form, files = parse(body)
    assert items(form) == []
    assert files["f"].filename == "a.txt"
    assert files["f"].read() == b"content"


def test_multipart_parts_without_name_are_ignored() -> None:
    body = multipart(
        part(data=b"no headers at all"),
        b"Content-Disposition: form-data\r\n\r\nno name",
        b'Content-Disposition: form-data; filename="x.txt"\r\n\r\nfile without name',
        part("kept", b"yes"),
    )
    form, files = parse(body)
    assert items(form) == [("kept", "yes")]
    assert items(files) == []


def test_multipart_text_field_decoding() -> None:
    body = multipart(
        part("utf8", "naïve ✓".encode()),
        part("bad", b"\xff\xfeok"),
        part("latin", "café".encode("latin-1"), content_type="text/plain; charset=ISO-8859-1"),
        part("unknown", "ü".encode(), content_type="text/plain; charset=no-such-codec"),
        part("binary_codec", "ü".encode(), content_type="text/plain; charset=zlib"),
        part("idna", b"\xff", content_type="text/plain; charset=idna"),
    )
    form, _ = parse(body)
    assert form["utf8"] == "naïve ✓"
    assert form["bad"] == "\ufffd\ufffdok"
    assert form["latin"] == "café"
    assert form["unknown"] == "ü"
    assert form["binary_codec"] == "ü"
    assert form["idna"] == "\ufffd"


def test_multipart_empty_name_and_empty_value() -> None:
    form, _ = parse(multipart(part("", b"v"), part("empty")))
    assert items(form) == [("", "v"), ("empty", "")]


def test_multipart_preamble_padding_and_epilogue() -> None:
    body = b"\r\n\r\n" + multipart(part("a", b"1")) + b"epilogue text\r\n"
    form, _ = parse(body)
    assert items(form) == [("a", "1")]


def test_multipart_empty_body_is_an_empty_form() -> None:
    form, files = parse(b"", content_length=None)
    assert items(form) == []
    assert items(files) == []


def test_multipart_only_closing_boundary() -> None:
    form, files = parse(f"--{BOUNDARY}--\r\n".encode())
    assert items(form) == []
    assert items(files) == []


def test_multipart_file_save_round_trip(tmp_path: Path) -> None:
    content = bytes(range(256)) * 64
    _, files = parse(multipart(part("f", content, filename="blob.bin")))
    target = tmp_path / "blob.bin"
    files["f"].save(target)
    assert target.read_bytes() == content


def test_multipart_small_file_stays_in_memory_large_goes_to_disk() -> None:
    limits = FormLimits(spool_max_size=1_000)
    body = multipart(
        part("small", b"s" * 1_000, filename="small.txt"),
        part("large", b"L" * 1_001, filename="large.txt"),
    )
    _, files = parse(body, limits=limits)
    assert files["small"].stream._rolled is False
    assert files["large"].stream._rolled is True
    assert files["large"].read() == b"L" * 1_001
    assert files["small"].read() == b"s" * 1_000


def test_multipart_file_data_does_not_count_as_form_memory() -> None:
    limits = FormLimits(max_form_memory_size=100)
    _, files = parse(multipart(part("f", b"x" * 10_000, filename="f")), limits=limits)
    assert len(files["f"].read()) == 10_000


# --- multipart: boundary ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data",
        "multipart/form-data; boundary=",
        'multipart/form-data; boundary=""',
        "multipart/form-data; boundary=" + "a" * 201,
        "multipart/form-data; boundary=\x01abc",
        'multipart/form-data; boundary="trailing "',
        "multipart/form-data; boundary=caf\u00e9",
    ],
)
def test_invalid_boundary_is_400(content_type: str) -> None:
    with pytest.raises(BadRequest):
        parse_form_data(UnreadableStream(), content_type, 10, DEFAULTS)  # type: ignore[arg-type]


def test_longest_allowed_boundary() -> None:
    boundary = "b" * DEFAULTS.max_boundary_length
    body = multipart(part("a", b"1"), boundary=boundary)
    form, _ = parse(body, f"multipart/form-data; boundary={boundary}")
    assert form["a"] == "1"


def test_boundary_with_rfc_special_characters() -> None:
    boundary = "a'()+_,-./:=? z"
    body = multipart(part("a", b"1"), boundary=boundary)
    form, _ = parse(body, f'multipart/form-data; boundary="{boundary}"')
    assert form["a"] == "1"


# --- multipart: malformed bodies (SECURITY.md #5) -----------------------------------------------


def test_mismatched_boundary_is_400() -> None:
    body = multipart(part("a", b"1"), boundary="other")
    with pytest.raises(BadRequest):
        parse(body)


def test_premature_end_is_400() -> None:
    body = multipart(part("a", b"1"), part("f", b"data", filename="f.txt"))
    for cut in (len(body) - 5, len(body) // 2, 10):
        with pytest.raises(BadRequest):
            parse(body[:cut])


def test_lf_only_line_endings_are_400() -> None:
    body = multipart(part("a", b"1")).replace(b"\r\n", b"\n")
    with pytest.raises(BadRequest):
        parse(body)


@pytest.mark.parametrize(
    "body",
    [
        b"not multipart at all",
        b"\r\n\r\n\r\n",
        f"--{BOUNDARY}\r\nno colon here\r\n\r\nx\r\n--{BOUNDARY}--".encode(),
        f"--{BOUNDARY}\r\n: empty name\r\n\r\nx\r\n--{BOUNDARY}--".encode(),
        f"--{BOUNDARY}\r\nBad Name: v\r\n\r\nx\r\n--{BOUNDARY}--".encode(),
        f"--{BOUNDARY}xx\r\n\r\nx\r\n--{BOUNDARY}--".encode(),
        f"--{BOUNDARY}\r\nA: b\rC: d\r\n\r\nx\r\n--{BOUNDARY}--".encode(),
    ],
)
def test_malformed_multipart_is_400(body: bytes) -> None:
    with pytest.raises(BadRequest) as info:
        parse(body)
    assert info.value.code == 400


def test_parser_error_is_translated_and_chained() -> None:
    with pytest.raises(BadRequest) as info:
        parse(b"garbage")
    assert isinstance(info.value.__cause__, ValueError)
    assert "multipart" in info.value.description


class RecordingSpool(formparser.SpooledTemporaryFile):  # type: ignore[type-arg]
    instances: list[RecordingSpool] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        RecordingSpool.instances.append(self)


def test_files_are_closed_when_the_parse_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formparser, "SpooledTemporaryFile", RecordingSpool)
    RecordingSpool.instances = []
    body = multipart(part("a", b"1", filename="a"), part("b", b"2", filename="b"))
    with pytest.raises(BadRequest):
        parse(body[:-10])
    assert len(RecordingSpool.instances) == 2
    assert all(spool.closed for spool in RecordingSpool.instances)

    RecordingSpool.instances = []
    limits = FormLimits(max_form_parts=2)
    with pytest.raises(RequestEntityTooLarge):
        parse(
            body.replace(b"--\r\n", b"\r\n") + part("c") + b"\r\n--" + BOUNDARY.encode() + b"--",
            limits=limits,
        )
    assert len(RecordingSpool.instances) == 2
    assert all(spool.closed for spool in RecordingSpool.instances)


# --- multipart: limits (SECURITY.md #1-#4) ------------------------------------------------------


def test_part_count_limit() -> None:
    limits = FormLimits(max_form_parts=3)
    form, files = parse(multipart(part("a"), part("b"), part("f", filename="f")), limits=limits)
    assert len(items(form)) + len(items(files)) == 3
    with pytest.raises(RequestEntityTooLarge):
        parse(multipart(part("a"), part("b"), part("c"), part("d")), limits=limits)


def _endless_parts(item: bytes) -> Iterator[bytes]:
    delimiter = f"--{BOUNDARY}\r\n".encode()
    yield delimiter
    while True:
        yield item + b"\r\n" + delimiter


@pytest.mark.parametrize("item", [b"\r\n", part("x")])
def test_1001_empty_parts_are_413_early_with_flat_memory(item: bytes) -> None:
    # SECURITY.md #1: an endless stream of empty parts stops right after part 1,001.
    stream = ChunkStream(_endless_parts(item))
    tracemalloc.start()
    try:
        with pytest.raises(RequestEntityTooLarge) as info:
            parse_form_data(stream, MULTIPART, None, DEFAULTS)  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.code == 413
    assert "parts" in info.value.description
    assert stream.bytes_read < 1_002 * (len(item) + len(BOUNDARY) + 4) + DEFAULTS.chunk_size
    assert peak < 1_000_000


def test_exactly_max_parts_is_accepted() -> None:
    form, _ = parse(multipart(*[part("x", b"1")] * 1_000))
    assert len(form.getlist("x")) == 1_000


def _field_in_tiny_chunks(size: int, piece: int = 997) -> Iterator[bytes]:
    yield f"--{BOUNDARY}\r\n".encode() + part("big")
    for _ in range(size // piece):
        yield b"x" * piece
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def test_oversized_field_in_tiny_chunks_is_413_with_bounded_memory() -> None:
    # SECURITY.md #2: a 600 kB field read 13 bytes at a time; the field may not outgrow the limit.
    stream = ChunkStream(_field_in_tiny_chunks(600_000))
    limits = FormLimits(chunk_size=13)
    tracemalloc.start()
    try:
        with pytest.raises(RequestEntityTooLarge) as info:
            parse_form_data(stream, MULTIPART, None, limits)  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.code == 413
    assert 500_000 < stream.bytes_read < 500_200
    assert peak < 2 * 500_000


def test_oversized_single_field_is_413() -> None:
    with pytest.raises(RequestEntityTooLarge):
        parse(multipart(part("big", b"x" * 600_000)))


def test_fields_together_over_memory_limit_is_413() -> None:
    form, _ = parse(multipart(part("a", b"x" * 250_000), part("b", b"y" * 250_000)))
    assert len(form["a"]) + len(form["b"]) == 500_000
    with pytest.raises(RequestEntityTooLarge):
        parse(multipart(part("a", b"x" * 250_000), part("b", b"y" * 250_001)))


def test_too_many_part_headers_is_413() -> None:
    fine = part("a", b"1", extra=[f"X-H{i}: v" for i in range(15)])
    form, _ = parse(multipart(fine))
    assert form["a"] == "1"
    with pytest.raises(RequestEntityTooLarge):
        parse(multipart(part("a", b"1", extra=[f"X-H{i}: v" for i in range(16)])))


def test_part_headers_over_size_together_is_413() -> None:
    # Each line is small; only the part's headers as a whole break the limit.
    extra = [f"X-H{i}: " + "v" * 1_000 for i in range(9)]
    with pytest.raises(RequestEntityTooLarge):
        parse(multipart(part("a", b"1", extra=extra)))
    form, _ = parse(multipart(part("a", b"1", extra=extra[:7])))
    assert form["a"] == "1"


@pytest.mark.parametrize(
    "line", [b"X-Big: " + b"v" * 9_000, b"X-Big:" + b" " * 9_000 + b"v", b"X" * 9_000 + b": v"]
)
def test_single_oversized_part_header_is_413(line: bytes) -> None:
    body = multipart(part("a", b"1").replace(b"\r\n\r\n", b"\r\n" + line + b"\r\n\r\n", 1))
    with pytest.raises(RequestEntityTooLarge):
        parse(body)
    with pytest.raises(RequestEntityTooLarge):
        parse(body, limits=FormLimits(chunk_size=100))


def test_10mb_file_after_leading_crlf_without_newline() -> None:
    # SECURITY.md #3: once quadratic in python-multipart; must finish and parse exactly.
    size = 10 * 1024 * 1024
    chunks = [f"--{BOUNDARY}\r\n".encode() + part("f", b"\r\n", filename="big.bin")]
    chunks += [b"A" * 1024 * 1024] * 10 + [f"\r\n--{BOUNDARY}--\r\n".encode()]
    stream = ChunkStream(chunks)
    form, files = parse_form_data(stream, MULTIPART, None, DEFAULTS)  # type: ignore[arg-type]
    assert items(form) == []
    upload = files["f"]
    assert upload.read(2) == b"\r\n"
    assert upload.stream.seek(0, io.SEEK_END) == size + 2
    assert upload.stream._rolled is True


def test_file_full_of_carriage_returns() -> None:
    content = b"\r" * 2_000_000 + b"\r\n-" * 100_000
    _, files = parse(multipart(part("f", content, filename="cr.bin")))
    assert files["f"].read() == content


def test_megabytes_of_crlf_around_the_boundaries() -> None:
    # SECURITY.md #4: CR/LF padding before the first and after the last boundary.
    padding = b"\r\n" * (2 * 1024 * 1024)
    stream = ChunkStream(
        [padding, multipart(part("a", b"1"), part("f", b"2", filename="f")), padding]
    )
    form, files = parse_form_data(stream, MULTIPART, None, DEFAULTS)  # type: ignore[arg-type]
    assert items(form) == [("a", "1")]
    assert files["f"].read() == b"2"


def test_lone_crs_before_the_first_boundary() -> None:
    stream = ChunkStream([b"\r" * 3_000_000, multipart(part("a", b"1"))])
    form, _ = parse_form_data(stream, MULTIPART, None, DEFAULTS)  # type: ignore[arg-type]
    assert form["a"] == "1"


# --- fuzzing ------------------------------------------------------------------------------------

FUZZ_LIMITS = st.builds(
    FormLimits,
    max_form_memory_size=st.sampled_from([None, 1, 64, 500_000, 500_000]),
    max_form_parts=st.sampled_from([None, 1, 3, 1_000, 1_000]),
    max_part_header_size=st.sampled_from([1, 40, 8_192, 8_192, 8_192, 8_192]),
    max_part_headers=st.sampled_from([0, 2, 16, 16, 16, 16, 16]),
    spool_max_size=st.sampled_from([0, 8, 500_000]),
    chunk_size=st.integers(1, 300),
)


def assert_parses_or_4xx(
    body: bytes, content_type: str, limits: FormLimits, content_length: int | None
) -> None:
    try:
        form, files = parse_form_data(io.BytesIO(body), content_type, content_length, limits)  # type: ignore[arg-type]
    except (BadRequest, RequestEntityTooLarge) as exc:
        assert exc.code in (400, 413)
        event(f"{exc.code} {exc.description}")
        return
    except HTTPException as exc:  # pragma: no cover - reported by the assertion
        raise AssertionError(f"unexpected {exc!r}") from exc
    event("parsed")
    for key, value in items(form):
        assert isinstance(key, str) and isinstance(value, str)
    for key, value in items(files):
        assert isinstance(key, str) and isinstance(value, FileStorage)
        value.read()


header_text = st.text(st.characters(codec="utf-8"), max_size=40)
fuzz_part = st.builds(
    part,
    name=st.none() | header_text.filter(lambda s: '"' not in s and "\r" not in s and "\n" not in s),
    data=st.binary(max_size=120)
    | st.sampled_from([b"\r\n--", b"\r\n--" + BOUNDARY.encode(), b"\r"]),
    filename=st.none() | st.sampled_from(["", "a.txt", "../x", "é.bin"]),
    content_type=st.none()
    | st.sampled_from(["text/plain; charset=latin-1", "text/plain; charset=bogus", "x"]),
    extra=st.lists(
        st.sampled_from(["X-A: 1", "bad header", "X-B:", ": v", "X\x00: y"]), max_size=3
    ),
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.lists(fuzz_part, max_size=6),
    cut=st.sampled_from([None, None, None]) | st.integers(0, 2_000),
    noise=st.binary(max_size=20),
    noise_at=st.integers(0, 2_000),
    limits=FUZZ_LIMITS,
)
def test_fuzz_multipart_structures(
    parts: list[bytes], cut: int | None, noise: bytes, noise_at: int, limits: FormLimits
) -> None:
    body = multipart(*parts)
    body = body[:noise_at] + noise + body[noise_at:]
    if cut is not None:
        body = body[:cut]
    assert_parses_or_4xx(body, MULTIPART, limits, len(body))


@settings(max_examples=300, deadline=None)
@given(
    body=st.binary(max_size=600),
    boundary=st.sampled_from([BOUNDARY, "a", "--", " x", "b" * 200]),
    prefix=st.booleans(),
    limits=FUZZ_LIMITS,
)
def test_fuzz_multipart_random_bytes(
    body: bytes, boundary: str, prefix: bool, limits: FormLimits
) -> None:
    if prefix:
        body = f"--{boundary}\r\n".encode() + body
    assert_parses_or_4xx(body, f'multipart/form-data; boundary="{boundary}"', limits, None)


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=600), limits=FUZZ_LIMITS)
def test_fuzz_urlencoded_random_bytes(body: bytes, limits: FormLimits) -> None:
    assert_parses_or_4xx(body, URLENCODED, limits, len(body) or None)


@settings(max_examples=300, deadline=None)
@given(
    body=st.text(st.sampled_from("ab=&+%20fF\u00e9"), max_size=80),
    chunk_size=st.integers(1, 16),
)
def test_fuzz_urlencoded_matches_parse_qsl(body: str, chunk_size: int) -> None:
    raw = body.encode()
    limits = FormLimits(chunk_size=chunk_size)
    form, _ = parse(raw, URLENCODED, limits)
    expected = grouped(parse_qsl(body, keep_blank_values=True, errors="replace"))
    assert form.to_dict(flat=False) == expected


def test_multipart_first_of_repeated_part_headers_wins() -> None:
    body = multipart(
        b'Content-Disposition: form-data; name="f"; filename="first.txt"\r\n'
        b'Content-Disposition: form-data; name="g"; filename="second.php"\r\n'
        b"Content-Type: text/plain\r\nContent-Type: application/x-php\r\n\r\nx"
    )
    _, files = parse(body)
    assert [key for key, _ in items(files)] == ["f"]
    assert files["f"].filename == "first.txt"
    assert files["f"].content_type == "text/plain"


def test_file_part_header_with_lf_or_nul_is_400() -> None:
    # python-multipart ends a header value at CR only; Headers refuses LF and NUL.
    for value in (b"a\nb", b"a\x00b"):
        body = multipart(part("f", b"x", filename="f.txt", extra=["X-A: v"]).replace(b"v", value))
        with pytest.raises(BadRequest) as info:
            parse(body)
        assert "header" in info.value.description
    form, _ = parse(multipart(part("t", b"text", extra=["X-A: a\x00b"])))
    assert form["t"] == "text"
