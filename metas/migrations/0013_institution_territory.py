"""Each institution's kind and territory from its name, where the name says them
(metas.territory.recognise), then its reports re-tagged with its territory's places
(metas.publication.retag): goals of institutions without a territory keep no place."""
from django.db import migrations


def recognise_and_retag(apps, schema_editor):
    from metas.territory import Atlas, recognise
    from metas.publication.retag import tag_again

    Institution = apps.get_model("metas", "Institution")
    atlas = Atlas.from_database(apps)
    institutions = list(Institution.objects.order_by("pk"))
    for institution in institutions:
        recognised = recognise(institution.name, atlas)
        institution.kind = recognised.kind
        institution.folded_name = _fold(institution.name)
        if recognised.territory is not None:
            kind, pk = recognised.territory
            setattr(institution, f"{kind}_id", pk)
        institution.save(update_fields=["kind", "folded_name", "province", "canton", "parish"])
    for institution in institutions:
        tag_again(institution, atlas, apps=apps)


def _fold(text):
    from metas.text import fold

    return fold(text)


class Migration(migrations.Migration):
    dependencies = [("metas", "0012_territory_required")]
    operations = [migrations.RunPython(recognise_and_retag, migrations.RunPython.noop)]
