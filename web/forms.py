from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone

from translations.aggregate import STATUSES
from web.dashboard import SORTS, Query


class UploadForm(forms.Form):
    title = forms.CharField(max_length=255, required=False, help_text="Defaults to the file name.")
    language = forms.ChoiceField(
        choices=[("", "Not said"), *settings.LANGUAGES],
        required=False,
        label="Written in",
        help_text="Translators who work from this language are offered its requests.",
    )
    file = forms.FileField(allow_empty_file=True)  # the service says why an empty one is refused


class RevisionForm(forms.Form):
    file = forms.FileField(allow_empty_file=True, label="New revision")


class SubmitForm(forms.Form):
    target_languages = forms.MultipleChoiceField(
        choices=settings.LANGUAGES,
        label="Target languages",
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="One request per language; hold Ctrl (⌘ on a Mac) to choose several.",
    )
    deadline = forms.DateTimeField(
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Optional: if no translator accepts it by then, the request expires.",
    )
    note = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
        label="Note to the translator",
    )  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Typed and shown in the viewer's time zone (project.middleware.TimeZoneMiddleware).
        zone = timezone.get_current_timezone_name()
        self.fields["deadline"].label = f"Deadline ({zone} time)"


class LanguagePairsForm(forms.Form):
    sources = forms.MultipleChoiceField(
        choices=settings.LANGUAGES,
        label="I translate from",
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Hold Ctrl (⌘ on a Mac) to choose several.",
    )
    targets = forms.MultipleChoiceField(
        choices=settings.LANGUAGES,
        label="into",
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Every language on the left into every one here.",
    )


class DashboardForm(forms.Form):
    """The dashboard's search, filters and sort (a GET form: links keep them)."""

    q = forms.CharField(required=False, max_length=255, label="Title contains")
    status = forms.ChoiceField(
        required=False, label="With a request that is",
        choices=[("", "any status"), *((s, s.replace("_", " ")) for s in STATUSES)],
    )  # fmt: skip
    language = forms.ChoiceField(
        required=False, label="Into", choices=[("", "any language"), *settings.LANGUAGES]
    )
    sort = forms.ChoiceField(required=False, label="Sort by", choices=list(SORTS.items()))
    after = forms.CharField(required=False, widget=forms.HiddenInput)

    def query(self) -> Query:
        data = self.cleaned_data
        return Query(
            text=data["q"], status=data["status"], language=data["language"],
            sort=data["sort"] or "updated", after=data["after"],
        )  # fmt: skip
