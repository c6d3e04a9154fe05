"""Create the "Thredd engineers" group, whose members may review connectivity requests."""

from django.db import migrations

GROUP = "Thredd engineers"


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations run; make ours exist now (the
    # post-migrate step then finds it and leaves it be).
    content_type, _ = apps.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="connectivity", model="connectivityrequest"
    )
    permission, _ = apps.get_model("auth", "Permission").objects.get_or_create(
        content_type=content_type,
        codename="review_connectivityrequest",
        defaults={"name": "Can review connectivity requests"},
    )
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=GROUP)
    group.permissions.add(permission)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("connectivity", "0004_review_and_artifacts"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
