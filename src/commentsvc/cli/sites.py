"""`commentsvc site add|set|webhook`: the sites that embed the service and their rules.

    commentsvc site add blog --origin https://blog.example --moderation first-time
    commentsvc site set blog --max-links 3 --disallowed-word casino
    commentsvc site set blog --read-only on
    commentsvc site set blog --quiet-hours 22:00-07:00 --quiet-tz Europe/Berlin --quiet-action close
    commentsvc site set blog --quiet-hours off --flag-threshold 5 --default-lang fr
    commentsvc site webhook blog https://hooks.example/commentsvc   # prints the signing secret
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .. import sites
from ..errors import ApiError
from ..models import MODERATION_MODES, QUIET_ACTIONS
from ..notify import webhook

ON_OFF = click.Choice(("on", "off"))
site_cli = AppGroup("site", help="Manage the sites that embed the service.")


@site_cli.command("add")
@click.argument("key")
@click.option("--origin", "origins", multiple=True, help="An allowed origin, e.g. https://blog.example")
@click.option("--moderation", "mode", type=click.Choice(MODERATION_MODES), default=None,
              help="all (default): every comment waits; first-time; none.")
@click.option("--name", default=None, help="A display name for the site.")
def site_add(key: str, origins: tuple[str, ...], mode: str | None, name: str | None) -> None:
    """Add a site, or add origins to (and set the mode of) an existing one."""
    try:
        site, created = sites.save_site(key, list(origins), mode, name)
    except ValueError as e:
        raise click.UsageError(str(e)) from None
    verb = "added" if created else "updated"
    joined = " ".join(site.origins)
    click.echo(f"site {site.key} {verb}: moderation={site.moderation} origins={joined}")


@site_cli.command("set")
@click.argument("key")
@click.option("--max-links", type=click.IntRange(min=0), default=None,
              help="Links a comment may hold before it is held (default 2).")
@click.option("--disallowed-word", "disallowed", multiple=True,
              help="A word or phrase that makes a comment spam (repeat; '' clears).")
@click.option("--moderation-word", "moderation_words", multiple=True,
              help="A word or phrase that holds a comment for a moderator (repeat; '' clears).")
@click.option("--block-email", "emails", multiple=True, help="An address whose comments are spam.")
@click.option("--block-ip", "prefixes", multiple=True,
              help="A network (203.0.113.0/24, 2001:db8::/48) whose comments are spam.")
@click.option("--close-after-days", type=click.IntRange(min=0), default=None,
              help="Close articles to comments this many days after their first (0: never).")
@click.option("--max-depth", type=click.IntRange(min=1), default=None,
              help="How deep replies nest.")
@click.option("--webhook-url", default=None, help="Where to post moderation events ('' clears).")
@click.option("--moderation", "mode", type=click.Choice(MODERATION_MODES), default=None)
@click.option("--spam-hold-budget", type=click.FloatRange(0, 1), default=None,
              help="Share of legitimate comments held for review when the filter is unsure.")
@click.option("--read-only", type=ON_OFF, is_flag=False, flag_value="on", default=None,
              help="on (or the bare flag): every submission is refused (comments closed on "
                   "the whole site); off.")
@click.option("--quiet-hours", default=None,
              help="HH:MM-HH:MM (may cross midnight, e.g. 22:00-07:00), or off.")
@click.option("--quiet-tz", default=None, help="The quiet hours' time zone (default UTC).")
@click.option("--quiet-action", type=click.Choice(QUIET_ACTIONS), default=None,
              help="hold (default): every comment waits; close: comments are closed.")
@click.option("--flag-threshold", type=int, default=None,
              help="Readers' reports that send a comment back to pending (default 3).")
@click.option("--default-lang", default=None, help="The widget's fallback language ('' clears).")
@click.option("--reader-notifications", type=ON_OFF, is_flag=False, flag_value="on",
              default=None, help="on (or the bare flag): readers may subscribe to follow-up "
                                 "comments by email (needs SMTP_URL); off.")
def site_set(key: str, max_links: int | None, disallowed: tuple[str, ...],
             moderation_words: tuple[str, ...], emails: tuple[str, ...],
             prefixes: tuple[str, ...], close_after_days: int | None, max_depth: int | None,
             webhook_url: str | None, mode: str | None,
             spam_hold_budget: float | None, read_only: str | None, quiet_hours: str | None,
             quiet_tz: str | None, quiet_action: str | None, flag_threshold: int | None,
             default_lang: str | None, reader_notifications: str | None) -> None:
    """Set a site's abuse rules and options; word and block lists replace the old ones."""
    try:
        quiet = _quiet(key, quiet_hours, quiet_tz, quiet_action)
        site = sites.configure(
            key, max_links=max_links, disallowed_words=disallowed or None,
            moderation_words=moderation_words or None, blocked_emails=emails or None,
            blocked_ip_prefixes=prefixes or None, close_after_days=close_after_days,
            max_depth=max_depth, webhook_url=webhook_url, moderation=mode,
            spam_hold_budget=spam_hold_budget, read_only=_on(read_only), quiet_hours=quiet,
            flag_threshold=flag_threshold, default_lang=default_lang,
            reader_notifications=_on(reader_notifications))
    except ApiError as e:  # NotFound, InvalidSetting
        raise click.UsageError(e.message) from None
    q = site.quiet_hours
    click.echo(f"site {site.key}: read_only={'on' if site.read_only else 'off'} "
               f"quiet_hours={_window(q)} flag_threshold={site.flag_threshold} "
               f"default_lang={site.default_lang or '-'} "
               f"reader_notifications={'on' if site.reader_notifications else 'off'}")
    click.echo(f"site {site.key}: max_links={site.max_links} "
               f"disallowed_words={len(site.disallowed_words or [])} "
               f"moderation_words={len(site.moderation_words or [])} "
               f"blocked_emails={len(site.blocked_emails or [])} "
               f"blocked_ip_prefixes={','.join(site.blocked_ip_prefixes or []) or '-'} "
               f"close_after_days={site.close_after_days or '-'} max_depth={site.max_depth} "
               f"webhook_url={site.webhook_url or '-'} moderation={site.moderation} "
               f"spam_hold_budget={site.spam_hold_budget:g} "
               f"reader_notifications={'on' if site.reader_notifications else 'off'}")


def _on(value: str | None) -> bool | None:
    return None if value is None else value == "on"


def _window(quiet: dict[str, str] | None) -> str:
    if not quiet:
        return "off"
    return f"{quiet['from']}-{quiet['to']}({quiet['tz']},{quiet['action']})"


def _quiet(key: str, window: str | None, tz: str | None,
           action: str | None) -> dict[str, str] | None:
    """--quiet-hours/--quiet-tz/--quiet-action as sites.configure's quiet_hours ({}: remove).
    A zone or action alone changes the site's current window."""
    if window is None and tz is None and action is None:
        return None
    if window is not None and window.strip().lower() == "off":
        return {}
    current = dict(sites.get(key).quiet_hours or {})
    if window is not None:
        start, dash, end = window.partition("-")
        if not dash:
            raise click.UsageError("--quiet-hours must be HH:MM-HH:MM (e.g. 22:00-07:00) or off")
        current.update({"from": start.strip(), "to": end.strip()})
    elif not current:
        raise click.UsageError("--quiet-tz and --quiet-action need --quiet-hours HH:MM-HH:MM")
    if tz is not None:
        current["tz"] = tz
    if action is not None:
        current["action"] = action
    return current


@site_cli.command("webhook")
@click.argument("key")
@click.argument("url", required=False)
@click.option("--remove", is_flag=True, help="Stop sending webhooks for this site.")
def site_webhook(key: str, url: str | None, remove: bool) -> None:
    """Set the URL that receives a signed JSON POST for each held comment; print the secret."""
    if bool(url) == remove:
        raise click.UsageError("give a URL, or --remove")
    try:
        site = sites.configure(key, webhook_url="" if remove else url)
    except ApiError as e:  # NotFound, InvalidSetting
        raise click.UsageError(e.message) from None
    if site.webhook_url is None:
        click.echo(f"site {key}: webhook removed")
        return
    click.echo(f"site {key}: webhook {site.webhook_url}")
    click.echo(f"signing secret (X-Commentsvc-Signature, HMAC-SHA256): {webhook.site_secret(key)}")
