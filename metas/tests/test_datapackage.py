"""Every export has a sibling datapackage.json (Frictionless Data Package) that `frictionless
validate` accepts: for the prebuilt whole files from their stored figures, for any other filters
from the CSV measured as it streams."""
import hashlib
import json

import pytest
from frictionless import validate

from metas.importer import import_report
from metas.models import Download

from .importer_files import sample_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def same_site_url(settings):
    settings.METAS_SITE_URL = "http://testserver"


@pytest.fixture
def published(publishing):
    with publishing():
        return import_report([sample_file()]).report


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def validated_locally(descriptor: dict, files: dict[str, bytes], folder) -> object:
    """`frictionless validate` on the descriptor, each resource's URL replaced by a local copy
    of the bytes that URL answers (the descriptor is otherwise unchanged)."""
    for resource in descriptor["resources"]:
        name = resource["name"] + "." + resource["format"]
        (folder / name).write_bytes(files[resource["path"]])
        resource["path"] = name
    (folder / "datapackage.json").write_text(json.dumps(descriptor), "utf-8")
    return validate(str(folder / "datapackage.json"))


def fetched(client, descriptor) -> dict[str, bytes]:
    return {r["path"]: body(client.get(r["path"])) for r in descriptor["resources"]}


def test_the_whole_data_set_is_described_from_its_prebuilt_files(client, published, tmp_path):
    response = client.get("/metas.datapackage.json?periodo=todos")
    assert response["Content-Type"] == "application/json"
    descriptor = json.loads(response.content)
    csv_file = Download.objects.get(name="metas-todos.csv")
    csv_resource, json_resource = descriptor["resources"]
    assert csv_resource["path"] == "http://testserver/metas.csv?periodo=todos"
    assert csv_resource["hash"] == f"sha256:{csv_file.sha256}"
    assert (csv_resource["bytes"], csv_resource["rows"]) == (csv_file.size, 137)
    assert json_resource["path"] == "http://testserver/metas.json?periodo=todos"
    assert descriptor["homepage"] == "http://testserver/metas/?periodo=todos"
    assert descriptor["filters"] == {"periodo": "todos"}
    assert descriptor["licenses"][0]["path"] == "http://testserver/datos/"

    report = validated_locally(descriptor, fetched(client, descriptor), tmp_path)
    assert report.valid, report.flatten(["type", "note"])


def test_the_schema_has_spanish_titles_descriptions_and_types(client, published):
    descriptor = json.loads(client.get("/metas.datapackage.json").content)
    fields = {field["name"]: field for field in descriptor["resources"][0]["schema"]["fields"]}
    assert fields["avance"] == {
        "name": "avance",
        "title": "Avance en porcentaje",
        "description": fields["avance"]["description"],
        "type": "number",
    }
    assert fields["avance"]["description"].startswith("Avance en porcentaje (de 0 a 100), leído")
    assert fields["periodo"]["type"] == "yearmonth"
    assert fields["vigente_al"]["type"] == "date"
    assert fields["sin_financiamiento"]["trueValues"] == ["sí"]
    assert fields["ritmo"]["title"] == (
        "Ritmo frente a la parte del año transcurrida en el mes del reporte"
    )
    assert descriptor["resources"][0]["schema"]["primaryKey"] == ["id"]


def test_a_filtered_export_is_described_from_the_bytes_it_streams(client, published, tmp_path):
    query = "avance=100&orden=unidad"
    descriptor = json.loads(client.get(f"/metas.datapackage.json?{query}").content)
    (resource,) = descriptor["resources"]
    assert resource["path"] == f"http://testserver/metas.csv?{query}"
    data = body(client.get(f"/metas.csv?{query}"))
    assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
    assert resource["bytes"] == len(data)
    assert resource["rows"] == 31  # the sample's goals at 100 %
    assert descriptor["filters"] == {"avance": "100"}
    assert descriptor["homepage"] == f"http://testserver/metas/?{query}"

    report = validated_locally(descriptor, {resource["path"]: data}, tmp_path)
    assert report.valid, report.flatten(["type", "note"])


def test_a_changed_byte_fails_the_validation(client, published, tmp_path):
    descriptor = json.loads(client.get("/metas.datapackage.json?avance=100").content)
    path = descriptor["resources"][0]["path"]
    data = body(client.get(path)).replace(b"100", b"101", 1)
    report = validated_locally(descriptor, {path: data}, tmp_path)
    assert not report.valid
    assert "hash-count" in [error for error, _note in report.flatten(["type", "note"])]


def test_invalid_filters_are_refused_in_spanish(client, published):
    response = client.get("/metas.datapackage.json?avance=mucho")
    assert response.status_code == 400
    assert response.json()["error"].startswith("Los filtros de esta dirección no son válidos")


@pytest.mark.django_db(transaction=True)
def test_frictionless_validates_the_served_descriptor_over_http(live_server, territory, settings,
                                                               publishing):
    settings.METAS_SITE_URL = live_server.url
    with publishing():
        import_report([sample_file()])
    for query in ("periodo=todos", "avance=0-24"):
        report = validate(f"{live_server.url}/metas.datapackage.json?{query}")
        assert report.valid, report.flatten(["type", "note"])


def test_the_semicolon_variant_is_described_as_the_comma_csv(client, published, tmp_path):
    descriptor = json.loads(client.get("/metas.datapackage.json?avance=100&sep=%3B").content)
    (resource,) = descriptor["resources"]
    assert resource["path"] == "http://testserver/metas.csv?avance=100"
    assert resource["dialect"]["delimiter"] == ","
    report = validated_locally(descriptor, fetched(client, descriptor), tmp_path)
    assert report.valid, report.flatten(["type", "note"])
