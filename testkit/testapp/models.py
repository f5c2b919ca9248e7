from django.db import models


class ThingTotal(models.Model):
    """A read model: the sum of ``n`` over each stream's ThingHappened events."""

    stream_id = models.UUIDField(unique=True)
    total = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.stream_id}: {self.total}"
