"""The dialogue's yes / no / abandon / correction / reference matching, EN and NL."""

import pytest

from conversations import words


@pytest.mark.parametrize(
    "text", ["yes", "Yes!", "yes please", "ok", "sure, go ahead", "ja", "Ja graag", "doe maar"]
)
def test_yes(text: str) -> None:
    assert words.is_yes(text)
    assert not words.is_no(text)


@pytest.mark.parametrize("text", ["no", "No.", "nope", "nee", "Nee hoor", "liever niet"])
def test_no(text: str) -> None:
    assert words.is_no(text)
    assert not words.is_yes(text)


@pytest.mark.parametrize(
    "text",
    [
        "deploy checkout to production",
        "yesterday the build broke",
        "nobody knows",
        "ja maar eerst wil ik nog iets anders vragen over de release",
        "",
    ],
)
def test_sentences_are_not_answers(text: str) -> None:
    assert not words.is_yes(text)
    assert not words.is_no(text)


@pytest.mark.parametrize("text", ["never mind", "Never mind, thanks", "laat maar", "Vergeet het"])
def test_abandon(text: str) -> None:
    assert words.is_abandon(text)


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("no, I meant staging", "staging"),
        ("No I meant the payments service", "the payments service"),
        ("nee, ik bedoelde staging", "staging"),
        ("Ik bedoelde productie", "productie"),
        ("no", None),
        ("deploy checkout", None),
        ("I meant", None),
    ],
)
def test_correction(text: str, rest: str | None) -> None:
    assert words.correction_rest(text) == rest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("deploy it to staging", True),
        ("zet het op staging", True),
        ("deploy checkout to staging", False),
        ("iterate on the item", False),
    ],
)
def test_refers_back(text: str, expected: bool) -> None:
    assert words.refers_back(text) is expected


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("2", 2),
        ("the second one", 2),
        ("de tweede", 2),
        ("eerste graag", 1),
        ("none", None),
        ("review PR 2", None),
    ],
)
def test_ordinal(text: str, position: int | None) -> None:
    assert words.ordinal(text) == position


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("nee, payments bedoel ik", "payments"),
        ("nee, versie 2.5 bedoel ik", "versie 2.5"),
        ("no, staging I meant", "staging"),
        # Nothing named: a no, a hesitation, a never-mind, or a question.
        ("actually no, wait", None),
        ("wat bedoel ik?", None),
        ("ik weet echt niet meer wat ik nu bedoel ik", None),
    ],
)
def test_corrections_said_last_or_naming_nothing(text: str, rest: str | None) -> None:
    assert words.correction_rest_raw(text) == rest


@pytest.mark.parametrize(
    ("text", "plain"),
    [("no sorry", True), ("nee, toch maar niet", True), ("no, wait", True), ("no, staging", False)],
)
def test_a_plain_no_names_nothing_else(text: str, plain: bool) -> None:
    assert words.is_plain_no(text) is plain
    assert (words.no_rest(text) is None) is plain


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("what needs my approval?", True),
        ("was the payments deploy approved yet?", True),
        ("is die al goedgekeurd?", True),
        ("nog niet goedkeuren, ik wil eerst de migratie checken", True),
        ("approve", False),
        ("approve the payments deploy", False),
        ("can you approve run 5?", False),
        ("kun je run 4 stoppen?", False),
    ],
)
def test_questions_and_holds_about_a_run_are_not_commands(text: str, asks: bool) -> None:
    assert words.asks_or_holds(text) is asks
