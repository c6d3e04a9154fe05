"""Reads of accounts: the people of a client organisation, as its client admin sees them,
and Thredd's engineers, to whom a review is assigned."""

from django.db.models import QuerySet

from connectivity.models import User


def organisation_members(*, user: User) -> QuerySet[User]:
    """Return the users of `user`'s own organisation, by email; none for anyone else.

    Scoped by the asking user's organisation, never by one named in a URL or form, so an
    admin cannot see another organisation's people.
    """
    if not user.is_client:
        return User.objects.none()
    return User.objects.filter(organisation_id=user.organisation_id).order_by("email")


def thredd_engineers(*, besides: User | None = None) -> QuerySet[User]:
    """Return the engineers a review may be assigned to, by name, except `besides` (the
    engineer asking, who assigns themselves with "Assign to me")."""
    engineers = User.objects.engineers().order_by("first_name", "last_name", "email")
    return engineers if besides is None else engineers.exclude(pk=besides.pk)
