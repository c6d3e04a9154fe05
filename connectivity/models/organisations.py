"""Who uses the portal: client organisations and the people who sign in."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.functional import cached_property

__all__ = ["REVIEW_PERMISSION", "Organisation", "User"]

# The permission that makes a staff member a Thredd engineer (migration 0005 grants it to the
# "Thredd engineers" group).
REVIEW_PERMISSION = "connectivity.review_connectivityrequest"


class Organisation(models.Model):
    """A client company of Thredd that connects its sites to Thredd's services."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    """Create users keyed by email address, the portal's sign-in name."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields) -> "User":
        if not email:
            raise ValueError("Users need an email address: it is how they sign in.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> "User":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def engineers(self) -> models.QuerySet:
        """Return the Thredd engineers: `User.is_engineer` asked of the database.

        Active staff holding the review permission in person, through a group (the "Thredd
        engineers" group) or as superusers, as `has_perm` judges it for one user.
        """
        app_label, codename = REVIEW_PERMISSION.split(".")
        in_person = models.Q(
            user_permissions__codename=codename,
            user_permissions__content_type__app_label=app_label,
        )
        by_group = models.Q(
            groups__permissions__codename=codename,
            groups__permissions__content_type__app_label=app_label,
        )
        return (
            self.filter(is_active=True, is_staff=True)
            .filter(models.Q(is_superuser=True) | in_person | by_group)
            .distinct()
        )


class User(AbstractUser):
    """A person who signs in with an email address.

    A client user belongs to exactly one organisation and sees only its requests; a client
    admin (`is_client_admin`) also invites colleagues of that organisation and sees its users.
    A Thredd staff member (`is_staff`) belongs to none and reviews everyone's.
    """

    username = None
    email = models.EmailField("email address", unique=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        help_text="The client organisation this user acts for. Empty for Thredd staff.",
    )
    is_client_admin = models.BooleanField(
        "client admin",
        default=False,
        help_text="Invites colleagues of their own organisation and sees its users.",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        constraints = [
            # Thredd staff act for Thredd, never for a client; a client user acts for one client.
            models.CheckConstraint(
                condition=models.Q(is_staff=True, organisation__isnull=True)
                | models.Q(is_staff=False),
                name="user_staff_has_no_organisation",
            ),
            # Only a client user administers a client organisation's people.
            models.CheckConstraint(
                condition=models.Q(is_client_admin=False)
                | models.Q(is_staff=False, organisation__isnull=False),
                name="user_client_admin_is_client",
            ),
            models.UniqueConstraint(Lower("email"), name="user_email_case_insensitive_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_client(self) -> bool:
        """Say whether this user acts for a client organisation."""
        return self.organisation_id is not None and not self.is_staff

    @cached_property
    def is_engineer(self) -> bool:
        """Say whether this user is a Thredd engineer: active staff with the review permission.

        The one definition every check asks: the workflow's engineer moves, internal notes,
        retrying a file, confirming a subnet and the staff pages. It is `engineers()` asked
        of this user: one query, where `has_perm` reads every permission in two; kept for
        the rest of the request, as `has_perm` keeps what it read.
        """
        return (
            self.is_active
            and self.is_staff
            and (self.is_superuser or User.objects.engineers().filter(pk=self.pk).exists())
        )
