"""The staff upload form: files (or a ZIP), institution, optional period.

The form checks the total size while the upload is read. Everything about the files themselves,
from what kind of file each one is (metas.importer.sources.kind_problem) to what they say, is the
importer's job (metas.importer.read_report), the same code as the import_report command.
"""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import periods
from ..importer.parsed import InputFile
from ..models import Institution
from ..text import without_controls
from .permissions import allowed_institutions

# What the file picker offers; the importer judges the content, whatever the name.
ACCEPTED = [
    ".csv", ".tsv", ".txt", ".xlsx", ".xls", ".ods", ".pdf", ".zip",
    "text/csv", "text/plain", "application/pdf", "application/zip",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-excel", "application/vnd.oasis.opendocument.spreadsheet",
]


class UploadLimitHandler(FileUploadHandler):
    """Stops reading an upload as soon as its files pass the size limit, so an oversized upload
    is neither kept in memory nor written to disk. The view then finds
    `request.upload_too_large` set and the form says so.

    Fields sent before the files (the CSRF token, institution, period) are still read, so the
    form puts the file input last."""

    def __init__(self, request=None, limit=None):
        super().__init__(request)
        self.limit = settings.METAS_MAX_UPLOAD_BYTES if limit is None else limit
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input type="file" multiple> (Django docs, "Uploading multiple
    files")."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_file_clean = super().clean
        if isinstance(data, (list, tuple)) and data:
            return [single_file_clean(item, initial) for item in data]
        return [single_file_clean(data or None, initial)]


class UploadForm(forms.Form):
    """Institution and period come first: an oversized upload stops being read at the files."""

    institution = forms.ModelChoiceField(
        label=_("Institution"),
        queryset=Institution.objects.all(),
        empty_label=None,
    )
    period = forms.CharField(
        label=_("Period (optional)"),
        required=False,
        max_length=7,
        help_text=_(
            "The month the report is about, as YYYY-MM (for example 2019-08). Leave it empty "
            "to take it from the report's update date."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "AAAA-MM"}),
    )
    sheet = forms.CharField(
        label=_("Sheet (optional)"),
        required=False,
        max_length=100,
        help_text=_(
            "Only for a workbook with more than one sheet that looks like a report: the name of "
            "the sheet to publish, as its tab shows it."
        ),
    )
    files = MultipleFileField(
        label=_("Files"),
        allow_empty_file=True,  # the importer says which file is empty
        error_messages={"required": _("Choose at least one file.")},
    )

    def __init__(self, *args, user, too_large=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.too_large = too_large
        self.fields["files"].help_text = gettext(
            "The report as published: one file (a PDF with text, a spreadsheet .xlsx, .xls or "
            ".ods, tab-separated text or CSV), the three CSV files of the national portal, or a "
            "ZIP with them. At most %(limit)s in total."
        ) % {"limit": filesizeformat(settings.METAS_MAX_UPLOAD_BYTES)}
        self.fields["files"].widget.attrs["accept"] = ",".join(ACCEPTED)
        field = self.fields["institution"]
        offered = allowed_institutions(user)
        # Any institution is accepted here so that the view can tell an attempt for someone
        # else's institution (refused and logged as forbidden) from a typo; only the user's own
        # are offered.
        choices = [(institution.pk, institution.name) for institution in offered]
        if user.is_superuser:
            field.required = False
            choices.insert(0, ("", gettext("The one the files name")))
        field.choices = choices

    def clean_period(self):
        value = self.cleaned_data["period"].strip()
        if not value:
            return None
        period = periods.parse(value)
        if period is None:
            raise forms.ValidationError(
                _("Write the period as YYYY-MM, for example 2019-08."), code="invalid_period"
            )
        if not periods.plausible(period):
            raise forms.ValidationError(
                _("A report is about a month from %(first)s to %(last)s."),
                code="implausible_period",
                params={"first": periods.label(periods.FIRST_PLAUSIBLE),
                        "last": periods.label(periods.last_plausible())},
            )
        return period

    def clean_sheet(self):
        return self.cleaned_data["sheet"].strip() or None

    def clean_files(self):
        uploads = self.cleaned_data["files"]
        if sum(upload.size for upload in uploads) > settings.METAS_MAX_UPLOAD_BYTES:
            raise self.too_large_error()
        return uploads

    def clean(self):
        cleaned = super().clean()
        if self.too_large:
            # The upload stopped before every file was read: say why, not "choose a file".
            self.errors.pop("files", None)
            self.add_error("files", self.too_large_error())
        return cleaned

    @staticmethod
    def too_large_error():
        return forms.ValidationError(
            _("The files add up to more than %(limit)s. Upload at most %(limit)s at once."),
            code="too_large",
            params={"limit": filesizeformat(settings.METAS_MAX_UPLOAD_BYTES)},
        )

    def input_files(self) -> list[InputFile]:
        """The uploaded files as the importer takes them (the names are only shown)."""
        return [
            InputFile(name=upload.name, data=b"".join(upload.chunks()))
            for upload in self.cleaned_data["files"]
        ]


class WithdrawForm(forms.Form):
    """Why a published report is withdrawn: shown to the public on the report's address."""

    MAX_LENGTH = 1000

    reason = forms.CharField(
        label=_("Reason for the withdrawal"),
        max_length=MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Required. Readers who open the report's address will see it, for example “The "
            "percentages of July were published by mistake; the corrected report follows.” At "
            "most 1000 characters."
        ),
        error_messages={"required": _("Write the reason for the withdrawal.")},
    )

    def clean_reason(self):
        # Pasted text may carry control characters that no page or feed should repeat.
        reason = without_controls(self.cleaned_data["reason"]).strip()
        if not reason:
            raise forms.ValidationError(self.fields["reason"].error_messages["required"])
        return reason
