"""Forms of Thredd's review: the queue's filters and the decision on a request."""

from django import forms

from connectivity.choices import ConnectionType, Environment, RequestStatus
from connectivity.models import Organisation, User
from connectivity.selectors.accounts import thredd_engineers

from .filters import (
    FilterHiddenInput,
    FilterNumberInput,
    FilterSelect,
    FilterTextInput,
    ListFilterForm,
)

ASSIGNED_TO_ME = "me"
UNASSIGNED = "none"
WAITING = "waiting"


class QueueFilterForm(ListFilterForm):
    """Narrow the review queue; every field is optional and kept in the URL."""

    q = forms.CharField(
        label="Reference or organisation", required=False, max_length=100, widget=FilterTextInput
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[(WAITING, "Waiting (any open status)"), *RequestStatus.choices],
        widget=FilterSelect,
    )
    environment = forms.ChoiceField(
        label="Environment",
        required=False,
        choices=[("", "Any"), *Environment.choices],
        widget=FilterSelect,
    )
    connection_type = forms.ChoiceField(
        label="Connection type",
        required=False,
        choices=[("", "Any"), *ConnectionType.choices],
        widget=FilterSelect,
    )
    # Thousands of organisations make a poor drop-down: the search box finds one by name,
    # and an organisation's name in a row filters the queue to it.
    organisation = forms.ModelChoiceField(
        label="Organisation",
        required=False,
        queryset=Organisation.objects.all(),
        widget=FilterHiddenInput,
    )
    assignee = forms.ChoiceField(label="Assigned to", required=False, widget=FilterSelect)
    waiting_days = forms.IntegerField(
        label="Waiting on Thredd at least (days)",
        required=False,
        min_value=0,
        max_value=3650,
        widget=FilterNumberInput,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        engineers = User.objects.filter(is_staff=True, is_active=True).order_by("email")
        self.fields["assignee"].choices = [
            ("", "Anyone"),
            (ASSIGNED_TO_ME, "Me"),
            (UNASSIGNED, "Nobody yet"),
            *((str(user.pk), user.get_full_name() or user.email) for user in engineers),
        ]


class DecisionForm(forms.Form):
    """The comment that goes with a decision; required for reject and ask for changes."""

    comment = forms.CharField(
        label="Comment to the client", required=False, widget=forms.Textarea, max_length=10_000
    )


class AssignForm(forms.Form):
    """Which colleague to assign a request's review to: any other Thredd engineer."""

    assignee = forms.ModelChoiceField(
        label="Which engineer should review it?",
        queryset=User.objects.none(),
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the engineer to assign the review to.",
            "invalid_choice": "Choose a Thredd engineer to assign the review to.",
        },
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        field.queryset = thredd_engineers(besides=user)
        field.label_from_instance = lambda engineer: engineer.get_full_name() or engineer.email
