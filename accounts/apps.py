from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    # Security events (sign-ins, lock-outs, changed rights, refused access) in the audit.
    event_types = "accounts.events.ALL"

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
        from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
        from rest_framework.authtoken.models import Token

        from accounts import receivers

        user = get_user_model()
        uid = "accounts.security"
        user_logged_in.connect(receivers.signed_in, dispatch_uid=uid)
        user_logged_out.connect(receivers.signed_out, dispatch_uid=uid)
        user_login_failed.connect(receivers.sign_in_failed, dispatch_uid=uid)
        user_locked_out.connect(receivers.locked_out, dispatch_uid=uid)
        post_save.connect(receivers.token_saved, sender=Token, dispatch_uid=uid)
        post_delete.connect(receivers.token_deleted, sender=Token, dispatch_uid=uid)
        m2m_changed.connect(receivers.groups_changed, sender=user.groups.through, dispatch_uid=uid)
        pre_save.connect(receivers.rights_before, sender=user, dispatch_uid=uid)
        post_save.connect(receivers.rights_after, sender=user, dispatch_uid=uid)
