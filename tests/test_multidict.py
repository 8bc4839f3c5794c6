"""MultiDict, ImmutableMultiDict and CombinedMultiDict."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from hipflask.exceptions import BadRequest, BadRequestKeyError
from hipflask.multidict import CombinedMultiDict, ImmutableMultiDict, MultiDict

# --- MultiDict ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        [("a", "1"), ("b", "2"), ("a", "3")],
        {"a": ["1", "3"], "b": "2"},
        {"a": ("1", "3"), "b": ["2"]},
        MultiDict([("a", "1"), ("b", "2"), ("a", "3")]),
    ],
)
def test_multidict_constructors_agree(source: Any) -> None:
    md = MultiDict(source)
    assert md.to_dict(flat=False) == {"a": ["1", "3"], "b": ["2"]}
    assert md["a"] == "1"


def test_multidict_empty_and_from_combined() -> None:
    assert len(MultiDict()) == 0
    assert len(MultiDict(None)) == 0
    assert "a" not in MultiDict({"a": [], "b": ()})
    combined = CombinedMultiDict([MultiDict({"a": "1"}), MultiDict({"a": "2", "b": "3"})])
    assert MultiDict(combined).to_dict(flat=False) == {"a": ["1", "2"], "b": ["3"]}


def test_multidict_copy_from_multidict_does_not_share_lists() -> None:
    original = MultiDict([("a", "1")])
    clone = MultiDict(original)
    clone.add("a", "2")
    assert original.getlist("a") == ["1"]


def test_missing_key_is_a_400_and_a_key_error() -> None:
    md = MultiDict()
    with pytest.raises(BadRequestKeyError) as info:
        md["missing"]
    assert isinstance(info.value, KeyError)
    assert isinstance(info.value, BadRequest)
    assert info.value.code == 400
    assert info.value.key == "missing"


def test_setitem_replaces_all_values_and_add_appends() -> None:
    md = MultiDict([("a", "1"), ("a", "2")])
    md["a"] = "x"
    assert md.getlist("a") == ["x"]
    md.add("a", "y")
    md.add("new", "z")
    assert md.getlist("a") == ["x", "y"]
    assert md["new"] == "z"


def test_get_with_default_and_type() -> None:
    md = MultiDict([("n", "42"), ("n", "7"), ("bad", "x")])
    assert md.get("n") == "42"
    assert md.get("n", type=int) == 42
    assert md.get("bad", -1, type=int) == -1
    assert md.get("missing") is None
    assert md.get("missing", "d") == "d"
    assert md.get("n", type=lambda value: None if value else 1) is None


def test_getlist_is_a_copy_and_skips_failed_conversions() -> None:
    md = MultiDict([("n", "1"), ("n", "x"), ("n", "3")])
    values = md.getlist("n")
    values.append("mutated")
    assert md.getlist("n") == ["1", "x", "3"]
    assert md.getlist("n", type=int) == [1, 3]
    assert md.getlist("missing") == []


def test_setlist_setdefault_setlistdefault() -> None:
    md = MultiDict()
    md.setlist("a", iter(["1", "2"]))
    assert md.getlist("a") == ["1", "2"]
    assert md.setdefault("a", "z") == "1"
    assert md.setdefault("b", "z") == "z"
    assert md.getlist("b") == ["z"]
    live = md.setlistdefault("c", ["1"])
    live.append("2")
    assert md.getlist("c") == ["1", "2"]
    assert md.setlistdefault("c") is live


def test_empty_value_list_behaves_as_missing_for_reads() -> None:
    md = MultiDict()
    md.setlist("a", [])
    assert md.get("a", "d") == "d"
    with pytest.raises(BadRequestKeyError):
        md["a"]
    assert list(md.items()) == []
    assert md.to_dict() == {}
    assert md.setdefault("a", "v") == "v"


def test_views() -> None:
    md = MultiDict([("a", "1"), ("b", "2"), ("a", "3")])
    assert list(md.items()) == [("a", "1"), ("b", "2")]
    assert list(md.items(multi=True)) == [("a", "1"), ("a", "3"), ("b", "2")]
    assert list(md.values()) == ["1", "2"]
    assert list(md.keys()) == ["a", "b"]
    assert list(md) == ["a", "b"]
    assert list(md.lists()) == [("a", ["1", "3"]), ("b", ["2"])]
    assert list(md.listvalues()) == [["1", "3"], ["2"]]
    assert "a" in md
    assert "z" not in md
    assert len(md) == 2
    assert md.to_dict() == {"a": "1", "b": "2"}


def test_dict_and_unpacking_take_first_values_as_in_flask() -> None:
    md = ImmutableMultiDict([("a", "1"), ("a", "2"), ("b", "3")])
    assert dict(md) == {"a": "1", "b": "3"}
    assert {**md} == {"a": "1", "b": "3"}
    assert dict(MultiDict(md)) == {"a": "1", "b": "3"}
    assert MultiDict(md).getlist("a") == ["1", "2"]


def test_lists_are_copies() -> None:
    md = MultiDict([("a", "1")])
    next(md.lists())[1].append("x")
    next(md.listvalues()).append("y")
    md.to_dict(flat=False)["a"].append("z")
    assert md.getlist("a") == ["1"]


def test_pop_family() -> None:
    md = MultiDict([("a", "1"), ("a", "2"), ("b", "3")])
    assert md.pop("a") == "1"
    assert "a" not in md
    assert md.pop("a", "default") == "default"
    with pytest.raises(BadRequestKeyError):
        md.pop("a")
    assert md.poplist("b") == ["3"]
    assert md.poplist("b") == []
    md.add("c", "4")
    assert md.popitem() == ("c", "4")
    md.setlist("d", ["5", "6"])
    assert md.popitemlist() == ("d", ["5", "6"])
    with pytest.raises(BadRequestKeyError):
        md.popitem()


def test_update_adds_instead_of_replacing() -> None:
    md = MultiDict([("a", "1")])
    md.update({"a": "2", "b": ["3", "4"]})
    md.update([("a", "5")], c="6")
    md.update(MultiDict([("a", "7"), ("a", "8")]))
    assert md.getlist("a") == ["1", "2", "5", "7", "8"]
    assert md.getlist("b") == ["3", "4"]
    assert md["c"] == "6"


def test_or_operators() -> None:
    md = MultiDict([("a", "1")])
    merged = md | {"a": "2"}
    assert merged.getlist("a") == ["1", "2"]
    assert md.getlist("a") == ["1"]
    md |= {"b": "3"}
    assert md["b"] == "3"


def test_copy_and_deepcopy() -> None:
    inner = ["nested"]
    md = MultiDict([("a", inner)])
    shallow = md.copy()
    shallow.add("a", "x")
    assert md.getlist("a") == [inner]
    assert shallow["a"] is inner
    assert copy.copy(md) == md
    deep = md.deepcopy()
    assert deep["a"] == inner
    assert deep["a"] is not inner
    assert copy.deepcopy(md)["a"] is not inner
    assert type(deep) is MultiDict


def test_equality() -> None:
    md = MultiDict([("a", "1"), ("a", "2")])
    assert md == MultiDict([("a", "1"), ("a", "2")])
    assert md != MultiDict([("a", "2"), ("a", "1")])
    assert md == {"a": ["1", "2"]}
    assert MultiDict({"a": "1"}) == {"a": "1"}
    assert md != {"a": "1"}
    assert (md == 3) is False
    assert md != 3


def test_repr_shows_every_value() -> None:
    assert repr(MultiDict([("a", "1"), ("a", "2")])) == "MultiDict([('a', '1'), ('a', '2')])"


def test_fromkeys_wraps_values() -> None:
    md: Any = MultiDict.fromkeys(["a", "b"], "v")
    assert md["a"] == "v"
    assert md.getlist("b") == ["v"]


# --- ImmutableMultiDict -------------------------------------------------------------------------

MUTATORS = [
    ("__setitem__", ("a", "x")),
    ("__delitem__", ("a",)),
    ("add", ("a", "x")),
    ("setlist", ("a", ["x"])),
    ("setdefault", ("z", "x")),
    ("setlistdefault", ("z",)),
    ("pop", ("a",)),
    ("poplist", ("a",)),
    ("popitem", ()),
    ("popitemlist", ()),
    ("update", ({"a": "x"},)),
    ("clear", ()),
    ("__ior__", ({"a": "x"},)),
]


@pytest.mark.parametrize(("method", "args"), MUTATORS)
def test_immutable_multidict_refuses_every_mutation(method: str, args: tuple[Any, ...]) -> None:
    md = ImmutableMultiDict([("a", "1")])
    with pytest.raises(TypeError, match="immutable"):
        getattr(md, method)(*args)
    assert md.to_dict(flat=False) == {"a": ["1"]}


def test_immutable_multidict_reads_and_copies() -> None:
    md = ImmutableMultiDict([("a", "1"), ("a", "2")])
    assert md["a"] == "1"
    assert md.getlist("a") == ["1", "2"]
    mutable = md.copy()
    assert type(mutable) is MultiDict
    mutable.add("a", "3")
    assert md.getlist("a") == ["1", "2"]
    assert copy.copy(md) is md
    assert type(md.deepcopy()) is ImmutableMultiDict
    assert md | {"a": "3"} == {"a": ["1", "2", "3"]}
    with pytest.raises(TypeError):
        md["b"] = "x"


def test_from_single_values_keeps_values_whole() -> None:
    from hipflask.datastructures import ImmutableMultiDict

    built = ImmutableMultiDict.from_single_values({"a": "1", "b": "x"})
    assert isinstance(built, ImmutableMultiDict)
    assert built["a"] == "1"
    assert built.getlist("b") == ["x"]
    with pytest.raises(TypeError):
        built["c"] = "3"


# --- CombinedMultiDict --------------------------------------------------------------------------


@pytest.fixture
def combined() -> CombinedMultiDict:
    args = ImmutableMultiDict([("a", "1"), ("q", "x")])
    form = ImmutableMultiDict([("a", "2"), ("a", "3"), ("f", "y"), ("n", "5")])
    return CombinedMultiDict([args, form])


def test_combined_lookup_order(combined: CombinedMultiDict) -> None:
    assert combined["a"] == "1"
    assert combined["f"] == "y"
    assert combined.get("a") == "1"
    assert combined.get("n", type=int) == 5
    assert combined.get("a", type=lambda v: int(v) * 10) == 10
    assert combined.get("missing", "d") == "d"
    assert combined.getlist("a") == ["1", "2", "3"]
    assert combined.getlist("a", type=int) == [1, 2, 3]
    with pytest.raises(BadRequestKeyError):
        combined["missing"]


def test_combined_get_type_falls_through_to_next_dict() -> None:
    combined = CombinedMultiDict([MultiDict({"n": "x"}), MultiDict({"n": "4"})])
    assert combined.get("n", type=int) == 4


def test_combined_views(combined: CombinedMultiDict) -> None:
    assert list(combined.keys()) == ["a", "q", "f", "n"]
    assert list(combined) == ["a", "q", "f", "n"]
    assert len(combined) == 4
    assert "f" in combined
    assert "z" not in combined
    assert list(combined.items()) == [("a", "1"), ("q", "x"), ("f", "y"), ("n", "5")]
    assert ("a", "3") in list(combined.items(multi=True))
    assert len(list(combined.items(multi=True))) == 6
    assert list(combined.values()) == ["1", "x", "y", "5"]
    assert dict(combined.lists())["a"] == ["1", "2", "3"]
    assert next(combined.listvalues()) == ["1", "2", "3"]
    assert combined.to_dict() == {"a": "1", "q": "x", "f": "y", "n": "5"}
    assert combined.to_dict(flat=False)["a"] == ["1", "2", "3"]
    assert dict(combined) == {"a": "1", "q": "x", "f": "y", "n": "5"}
    copied = combined.copy()
    assert type(copied) is MultiDict
    assert copied.getlist("a") == ["1", "2", "3"]
    assert "CombinedMultiDict" in repr(combined)


def test_combined_is_read_only(combined: CombinedMultiDict) -> None:
    with pytest.raises(TypeError):
        combined["a"] = "x"
    with pytest.raises(TypeError):
        combined.add("a", "x")
    with pytest.raises(TypeError):
        del combined["a"]
