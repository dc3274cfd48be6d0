"""The slugs of institutions, process levels and units: globally unique, so that a URL such as
?nivel=<slug> or /unidades/<slug>/ needs no institution to be unambiguous."""
from __future__ import annotations

from django.utils.text import slugify


def unit_slug_base(code: str, name: str) -> str:
    """ "6.1" + "Gestión de Calidad Ambiental" -> "6-1-gestion-de-calidad-ambiental"."""
    return slugify(f"{code.replace('.', '-')} {name}")


def trimmed(base: str, max_length: int, fallback: str) -> str:
    """`base` short enough to take a suffix ("-<institution>", "-2") within `max_length`."""
    return base[: max_length - 10].strip("-") or fallback


def with_institution(base: str, institution_slug: str, max_length: int, fallback: str) -> str:
    """The slug another institution's row of the same name gets: "<base>-<institution>"."""
    stem = trimmed(base, max_length, fallback)
    return trimmed(f"{stem}-{institution_slug}", max_length, fallback)


class Slugs:
    """Globally unique slugs for a model's new rows: the plain slug when free; if another
    institution has it, with this institution's slug appended; then a counter.

    The slugs a whole report may want are looked up in one query, not three per unit.
    """

    def __init__(self, model, institution, bases: list[str]):
        self.model, self.institution = model, institution
        self.max_length = model._meta.get_field("slug").max_length
        wanted = [self.trim(base) for base in bases]
        if institution is not None:
            wanted += [self.with_institution(base) for base in wanted]
        owner = "institution_id" if institution is not None else "pk"
        self.owners = dict.fromkeys(wanted)  # None: free
        self.owners.update(model.objects.filter(slug__in=wanted).values_list("slug", owner))

    def trim(self, base: str) -> str:
        return trimmed(base, self.max_length, self.model._meta.model_name)

    def with_institution(self, base: str) -> str:
        return with_institution(
            base, self.institution.slug, self.max_length, self.model._meta.model_name
        )

    def taken(self, slug: str) -> bool:
        if slug not in self.owners:  # not looked up yet (a counter's)
            self.owners[slug] = self.model.objects.filter(slug=slug).exists() or None
        return self.owners[slug] is not None

    def new(self, base: str) -> str:
        slug = self.trim(base)
        if self.taken(slug):
            other_institution = (
                self.institution is not None and self.owners[slug] != self.institution.pk
            )
            stem = self.with_institution(slug) if other_institution else slug
            slug, number = stem, 2
            while self.taken(slug):
                slug, number = f"{stem}-{number}", number + 1
        self.owners[slug] = self.institution.pk if self.institution is not None else True
        return slug
