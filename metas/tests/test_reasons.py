"""Why a goal is stuck: its note classified by the versioned rule file, with the words that
matched, stored at import; on the sample, the counts equal a count made by hand."""
import csv
from collections import Counter

import pytest

from metas.accountability import reasons
from metas.accountability.reasons import Match, classify, reason_of
from metas.importer import import_report
from metas.models import Goal
from metas.text import fold

from .factories import make_goal, make_report
from .importer_files import sample_file

# The only note of the sample (32 goals: lines 49–58, 66, 68, 124–138, 145–149).
SAMPLE_NOTE = "Sólo posee estudios, no se ejecutó por falta de financiamiento"
SAMPLE_NOT_APPLICABLE = (
    "NO APLICA, los planes operativos anuales de las direcciones municipales están conformados "
    "por los programas de inversión que ejecutan cada año."
)


def test_the_rule_file_is_versioned_and_every_phrase_is_needed():
    assert reasons.RULES_FILE.name == "reasons-v1.csv"
    with open(reasons.RULES_FILE, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    folded = [fold(row["phrase"]) for row in rows]
    # Folding makes accents irrelevant: a phrase that repeats another once folded is useless.
    assert len(folded) == len(set(folded))
    assert {row["reason"] for row in rows} == {
        "no-aplica", "informacion-no-disponible", "falta-de-financiamiento", "solo-estudios",
        "en-contratacion", "en-ejecucion",
    }


def test_the_sample_note_is_lack_of_financing_with_its_words():
    assert classify(SAMPLE_NOTE) == Match("falta-de-financiamiento", "falta de financiamiento")
    assert classify(SAMPLE_NOTE).label == "falta de financiamiento"


def test_its_first_part_alone_is_only_studies_written_as_published():
    assert classify("Sólo posee estudios") == Match("solo-estudios", "Sólo posee estudios")
    assert classify("SOLO POSEE ESTUDIOS.") == Match("solo-estudios", "SOLO POSEE ESTUDIOS")


def test_the_sample_no_aplica_target_is_does_not_apply():
    assert reason_of("not_applicable", "", SAMPLE_NOT_APPLICABLE) == Match("no-aplica", "NO APLICA")


@pytest.mark.parametrize("note, reason, words", [
    ("no se ejecutó por falta de financiamento", "falta-de-financiamiento",
     "falta de financiamento"),  # a misspelling seen in reports
    ("Sin   presupuesto asignado", "falta-de-financiamiento", "Sin   presupuesto"),
    ("En proceso de contratación en el portal", "en-contratacion", "En proceso de contratación"),
    ("en licitacion", "en-contratacion", "en licitacion"),
    ("Obra en ejecución, 2da etapa", "en-ejecucion", "en ejecución"),
    ("Información no disponible", "informacion-no-disponible", "Información no disponible"),
    ("Se reprogramó para el próximo año", "otra", ""),
])
def test_each_reason_from_a_note_after_a_percentage(note, reason, words):
    assert reason_of("percent", note, f"20% {note}") == Match(reason, words)


def test_a_goal_without_a_note_states_no_reason():
    assert reason_of("percent", "", "100%") == Match("")
    assert reason_of("not_available", "", "") == Match("informacion-no-disponible")
    assert reason_of("text", "", "12 obras") == Match("")


def test_matching_is_on_whole_words():
    # "ejecución" inside "inejecución"? Not a word of the phrase: no reason.
    assert classify("Por inejecución del contratista") is None


@pytest.mark.django_db
def test_on_the_sample_the_stored_reasons_equal_a_count_by_hand():
    """By hand, from fixtures/loja-lotaip-a4-2019-08.tsv (137 goals): the target
    "20% Sólo posee estudios, no se ejecutó por falta de financiamiento" on 19 lines and
    "10% Sólo posee estudios, …" on 13 (32, lack of financing), "NO APLICA, …" on 15 (does not
    apply), and a bare percentage on the other 90 (no reason)."""
    by_hand = {"falta-de-financiamiento": 19 + 13, "no-aplica": 15, "": 137 - 32 - 15}
    report = import_report([sample_file()]).report
    stored = Counter(Goal.objects.filter(report=report).values_list("reason", flat=True))
    assert stored == by_hand
    words = set(
        Goal.objects.filter(report=report, reason="falta-de-financiamiento")
        .values_list("reason_words", flat=True)
    )
    assert words == {"falta de financiamiento"}
    assert reasons.counts(Goal.objects.filter(report=report)) == {
        "no-aplica": 15, "informacion-no-disponible": 0, "falta-de-financiamiento": 32,
        "solo-estudios": 0, "en-contratacion": 0, "en-ejecucion": 0, "otra": 0,
    }


@pytest.mark.django_db
def test_the_condition_selects_the_goals_of_one_reason():
    report = make_report()
    stuck = make_goal(report, progress=20, reason="falta-de-financiamiento")
    make_goal(report, objective="Otra meta", progress=100)
    assert list(Goal.objects.filter(reasons.condition("falta-de-financiamiento"))) == [stuck]
