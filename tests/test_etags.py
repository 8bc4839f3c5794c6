"""ETags: strong and weak comparison, and the ``*`` tag."""

from __future__ import annotations

from hipflask.etags import ETags


def test_etags() -> None:
    etags = ETags(["a", "b"], ["w"])
    assert etags.contains("a")
    assert "b" in etags
    assert "w" not in etags
    assert etags.contains_weak("w")
    assert etags.contains_weak("a")
    assert etags.is_weak("w")
    assert not etags.is_weak("a")
    assert etags.is_strong("a")
    assert etags.as_set() == {"a", "b"}
    assert etags.as_set(include_weak=True) == {"a", "b", "w"}
    assert sorted(etags) == ["a", "b"]
    assert etags.to_header() == '"a", "b", W/"w"'
    assert str(etags) == etags.to_header()
    assert bool(etags)
    assert not ETags()
    assert 3 not in etags


def test_star_etag_matches_everything() -> None:
    star = ETags(star_tag=True)
    assert "anything" in star
    assert star.contains_weak("x")
    assert star.to_header() == "*"
    assert bool(star)
    assert repr(star) == "<ETags '*'>"
