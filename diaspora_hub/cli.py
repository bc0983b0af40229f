"""Command-line tasks: ``flask create-admin`` and ``flask seed-demo``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from diaspora_hub import demo
from diaspora_hub.accounts import service as accounts
from diaspora_hub.core.errors import AppError
from diaspora_hub.extensions import db


@click.command("create-admin")
@with_appcontext
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default="Platform admin", show_default=True)
def create_admin(email: str, password: str, display_name: str) -> None:
    """Create a platform admin, or make an existing account one."""
    user = accounts.get_by_email(db.session(), email)
    try:
        if user is None:
            user = accounts.register(
                db.session(),
                email=email,
                password=password,
                display_name=display_name,
                is_admin=True,
            )
        else:
            user.is_admin = True
    except AppError as exc:
        raise click.ClickException(f"{exc.message} {exc.fields or ''}".strip()) from exc
    db.session.commit()
    click.echo(f"{user.email} is a platform admin.")


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load the demo data; running it again changes nothing."""
    created = demo.load(db.session())
    db.session.commit()
    click.echo("Demo data loaded." if created else "Demo data already present.")


def register(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo)
